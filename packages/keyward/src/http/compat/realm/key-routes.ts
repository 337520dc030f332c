import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import { KeywardError, notFound } from '../../../core/errors.js'
import type { ApiKey } from '../../../core/types.js'
import type { RequestContext } from '../../../services/context.js'
import type { Services } from '../../../services/index.js'
import { bearerToken, callContextOf } from '../../auth.js'
import { keyIdErrors } from './errors.js'
import { RealmCreatedKeyBody, RealmErrorBody, RealmKeyBody, fromRealmId, toRealmKey } from './wire.js'

/** Realm's limit of user API keys per user. */
const MAX_KEYS_PER_USER = 20
const CreateBody = Type.Object({ name: Type.String({ minLength: 1, maxLength: 100 }) })
const IdParams = Type.Object({ id: Type.String() })
const errors = {
  400: RealmErrorBody,
  401: RealmErrorBody,
  403: RealmErrorBody,
  404: RealmErrorBody,
  409: RealmErrorBody,
}
const tags = ['realm']

type RealmPlugin = FastifyPluginAsyncTypebox<{ services: Services }>

/**
 * `user.apiKeys.*` under `/auth/api_keys`. Every call carries the session's
 * REFRESH token. Realm manages only the caller's own user keys, so requests run
 * with member rights (an admin does not reach others' keys here) and other kinds
 * of key answer 404 like missing ones.
 */
export const realmKeyRoutes: RealmPlugin = async (app, { services }) => {
  await app.register(collectionRoutes, { services })
  await app.register(itemRoutes, { services })
}

/** The caller's context (null: an anonymous session, which owns nothing), and their own user keys. */
function realmKeyAccess(services: Services) {
  const { keys, tokens } = services

  const callerOf = async (req: FastifyRequest): Promise<RequestContext | null> => {
    const { principal } = await tokens.realmSession(bearerToken(req), callContextOf(req))
    return principal && { principal: { ...principal, role: 'member' }, ip: req.ip }
  }
  const ownKey = async (req: FastifyRequest, realmId: string): Promise<{ ctx: RequestContext; key: ApiKey }> => {
    const ctx = await callerOf(req)
    const id = fromRealmId(realmId)
    if (!ctx || id === null) throw notFound('API key')
    const key = await keys.get(ctx, id)
    // A user's key: `kind` is `user` for an organization's own keys too, which are no person's.
    if (key.kind !== 'user' || key.owner.kind !== 'user' || key.revokedAt !== null) throw notFound('API key')
    return { ctx, key }
  }
  return { keys, callerOf, ownKey }
}

/** `POST` and `GET /auth/api_keys`. */
const collectionRoutes: RealmPlugin = async (app, { services }) => {
  const { keys, callerOf } = realmKeyAccess(services)

  app.post(
    '/auth/api_keys',
    { schema: { tags, body: CreateBody, response: { 201: RealmCreatedKeyBody, ...errors } } },
    async (req, reply) => {
      const ctx = await callerOf(req)
      if (!ctx) throw new KeywardError('forbidden', 'anonymous users cannot create API keys')
      // Owner "user": application (server) sessions are refused by KeyService like any application credential.
      const owner = { kind: 'user' as const, id: ctx.principal.owner.userId }
      const { key, apiKey } = await keys.create(ctx, { name: req.body.name, owner, max_live_keys: MAX_KEYS_PER_USER })
      return reply
        .status(201)
        .header('cache-control', 'no-store')
        .send({ ...toRealmKey(apiKey), key })
    },
  )

  app.get(
    '/auth/api_keys',
    { schema: { tags, response: { 200: Type.Array(RealmKeyBody), ...errors } } },
    async (req) => {
      const ctx = await callerOf(req)
      if (!ctx) return []
      const r = await keys.list(ctx, {
        owner_kind: 'user',
        owner_id: ctx.principal.owner.userId,
        kind: 'user',
        limit: 500,
      })
      return r.keys.filter((k) => k.kind === 'user' && k.revokedAt === null).map(toRealmKey)
    },
  )
}

/** `/auth/api_keys/:id`: read, enable, disable, delete. */
const itemRoutes: RealmPlugin = async (app, { services }) => {
  const { keys, ownKey } = realmKeyAccess(services)

  const byId = {
    config: { realmErrors: keyIdErrors },
    schema: { tags, params: IdParams, response: { 204: Type.Null(), ...errors } },
  }

  app.get(
    '/auth/api_keys/:id',
    { ...byId, schema: { ...byId.schema, response: { 200: RealmKeyBody, ...errors } } },
    async (req) => toRealmKey((await ownKey(req, req.params.id)).key),
  )

  app.put('/auth/api_keys/:id/enable', byId, async (req, reply) => {
    const { ctx, key } = await ownKey(req, req.params.id)
    await keys.enable(ctx, key.id)
    return reply.status(204).send(null)
  })

  app.put('/auth/api_keys/:id/disable', byId, async (req, reply) => {
    const { ctx, key } = await ownKey(req, req.params.id)
    await keys.disable(ctx, key.id)
    return reply.status(204).send(null)
  })

  app.delete('/auth/api_keys/:id', byId, async (req, reply) => {
    const { ctx, key } = await ownKey(req, req.params.id)
    await services.keyLineage.delete(ctx, key.id)
    return reply.status(204).send(null)
  })
}
