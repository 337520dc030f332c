import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import { setImmediate as nextTurn } from 'node:timers/promises'
import { type Static, Type } from 'typebox'
import { invalid, notFound } from '../../../core/errors.js'
import { type ApiKey, MAX_ROW_ID } from '../../../core/types.js'
import type { RequestContext } from '../../../services/context.js'
import type { Services } from '../../../services/index.js'
import type { CreateKeyInput } from '../../../services/keys/key-input.js'
import { STREAM_ROWS, listAnswer } from '../../json-stream.js'
import { Nullable } from '../../schemas.js'
import { fluxbaseCaller } from './caller.js'
import { managementContext } from './scopes.js'
import { FluxbaseErrorBody, FluxbaseKeyBody, toFluxbaseKey, toRateLimit } from './wire.js'

/** One key family: v0.2.0's `/api-keys` (`api_key`, "API key") or 2026's `/client-keys` (`client_key`, "Client key"). */
export interface KeyFamily {
  one: 'api_key' | 'client_key'
  many: 'api_keys' | 'client_keys'
  word: 'API key' | 'Client key'
}

const Scopes = Type.Array(Type.String({ minLength: 1, maxLength: 100, pattern: '^[^\\s]+$' }), {
  maxItems: 100,
  uniqueItems: true,
})
const PerMinute = Type.Integer({ minimum: 0, maximum: 1_000_000_000 })
// Unknown fields are ignored, as Fluxbase does.
const CreateBody = Type.Object({
  name: Type.Optional(Type.String({ maxLength: 100 })),
  description: Type.Optional(Nullable(Type.String({ maxLength: 1000 }))),
  scopes: Type.Optional(Scopes),
  rate_limit_per_minute: Type.Optional(PerMinute),
  expires_at: Type.Optional(Nullable(Type.String({ format: 'date-time' }))),
})
const UpdateBody = Type.Object({
  name: Type.Optional(Type.String({ maxLength: 100 })),
  description: Type.Optional(Nullable(Type.String({ maxLength: 1000 }))),
  scopes: Type.Optional(Scopes),
  rate_limit_per_minute: Type.Optional(PerMinute),
})
const IdParams = Type.Object({ id: Type.String() })
const ListQuery = Type.Object({ user_id: Type.Optional(Type.String()) })
const Message = Type.Object({ message: Type.String() })
const errors = {
  400: FluxbaseErrorBody,
  401: FluxbaseErrorBody,
  403: FluxbaseErrorBody,
  404: FluxbaseErrorBody,
  409: FluxbaseErrorBody,
  429: FluxbaseErrorBody,
}
const tags = ['fluxbase']
const ID = /^[1-9][0-9]{0,9}$/

/**
 * The user an admin asks for (`?user_id=`; for others it is ignored, as Fluxbase does). One that is
 * no user id is a 400: it listed the admin's own keys instead (silently), or, past PostgreSQL's
 * integer, answered 500 (a fuzzer's find).
 */
const askedUser = (raw: string | undefined): number | undefined => {
  if (raw === undefined) return undefined
  if (!ID.test(raw) || Number(raw) > MAX_ROW_ID) throw invalid('user_id must be a user id (a whole number)')
  return Number(raw)
}

const requireName = (name: string | undefined): string => {
  if (!name) throw invalid('Name is required')
  return name
}

type FamilyPlugin = FastifyPluginAsyncTypebox<{ services: Services; family: KeyFamily }>

/**
 * Key management of one family. Handlers translate Fluxbase's fields into
 * KeyService calls; Fluxbase manages user keys only, so other kinds answer 404.
 */
export const fluxbaseKeyRoutes: FamilyPlugin = async (app, { services, family }) => {
  // Not the options whole: their `prefix` is this plugin's, and would be added again.
  await app.register(collectionRoutes, { services, family })
  await app.register(itemRoutes, { services, family })
}

/** What every handler of a family reads its caller and keys through. */
function familyAccess(services: Services, family: KeyFamily) {
  const { keys } = services
  const caller = async (req: FastifyRequest, access: 'read' | 'write'): Promise<RequestContext> =>
    managementContext(await fluxbaseCaller(services, req), access)
  const userKey = async (ctx: RequestContext, rawId: string): Promise<ApiKey> => {
    const key = ID.test(rawId) && Number(rawId) <= MAX_ROW_ID ? await keys.get(ctx, Number(rawId)) : null
    // A user's key: `kind` is `user` for an organization's own keys too (their `user_id` would be the organization's id).
    if (!key || key.kind !== 'user' || key.owner.kind !== 'user') throw notFound(family.word)
    return key
  }
  const everyUserKey = async (ctx: RequestContext, userId: number): Promise<ApiKey[]> => {
    const all: ApiKey[] = []
    let cursor: string | undefined
    do {
      if (cursor) await nextTurn()
      const page = await keys.list(ctx, { owner_kind: 'user', owner_id: userId, limit: STREAM_ROWS, cursor })
      all.push(...page.keys)
      cursor = page.nextCursor ?? undefined
    } while (cursor)
    return all
  }
  const message = (what: string) => ({ message: `${family.word} ${what} successfully` })
  return { keys, caller, userKey, everyUserKey, message }
}

/** `POST /` and `GET /`: create, list. */
const collectionRoutes: FamilyPlugin = async (app, { services, family }) => {
  const { keys, caller, everyUserKey } = familyAccess(services, family)

  app.post(
    '/',
    {
      schema: {
        tags,
        body: CreateBody,
        response: { 201: Type.Object({ [family.one]: FluxbaseKeyBody, key: Type.String() }), ...errors },
      },
    },
    async (req, reply) => {
      const ctx = await caller(req, 'write')
      const { key, apiKey } = await keys.create(ctx, createInput(req.body, ctx.principal.owner.userId))
      return reply
        .status(201)
        .header('cache-control', 'no-store')
        .send({ [family.one]: toFluxbaseKey(apiKey), key })
    },
  )

  // No pagination in Fluxbase: every page of the caller's keys (revoked and expired included). The
  // answer can be tens of thousands of keys (9 MB for 31,000): it is streamed like a large OData
  // answer (json-stream.ts), pages a loop turn apart, so it never holds the node in one piece.
  app.get(
    '/',
    {
      schema: {
        tags,
        querystring: ListQuery,
        response: {
          200: Type.Object({ [family.many]: Type.Array(FluxbaseKeyBody), total: Type.Integer() }),
          ...errors,
        },
      },
    },
    async (req, reply) => {
      const ctx = await caller(req, 'read')
      const ownerId = ctx.principal.role === 'admin' ? askedUser(req.query.user_id) : undefined
      const listed = (await everyUserKey(ctx, ownerId ?? ctx.principal.owner.userId)).filter((k) => k.kind === 'user')
      return listAnswer(reply, family.many, listed, toFluxbaseKey, { total: listed.length })
    },
  )
}

/** A Fluxbase create body as KeyService's input: always the caller's own user key. */
function createInput(b: Static<typeof CreateBody>, userId: number): CreateKeyInput {
  return {
    name: requireName(b.name),
    description: b.description ?? null,
    scopes: b.scopes ?? [],
    rate_limit: toRateLimit(b.rate_limit_per_minute),
    expires_at: b.expires_at ?? null,
    allow_past_expiry: true, // Fluxbase accepts a born-expired key (shared/compat/fluxbase.md)
    owner: { kind: 'user', id: userId },
  }
}

/** `/:id`: read, update, revoke, delete. */
const itemRoutes: FamilyPlugin = async (app, { services, family }) => {
  const { keys, caller, userKey, message } = familyAccess(services, family)

  app.get('/:id', { schema: { tags, params: IdParams, response: { 200: FluxbaseKeyBody, ...errors } } }, async (req) =>
    toFluxbaseKey(await userKey(await caller(req, 'read'), req.params.id)),
  )

  app.patch(
    '/:id',
    { schema: { tags, params: IdParams, body: UpdateBody, response: { 200: FluxbaseKeyBody, ...errors } } },
    async (req) => {
      const ctx = await caller(req, 'write')
      const key = await userKey(ctx, req.params.id)
      const b = req.body
      return toFluxbaseKey(
        await keys.update(ctx, key.id, {
          ...(b.name !== undefined && { name: requireName(b.name) }),
          ...(b.description !== undefined && { description: b.description }),
          ...(b.scopes !== undefined && { scopes: b.scopes }),
          ...(b.rate_limit_per_minute !== undefined && { rate_limit: toRateLimit(b.rate_limit_per_minute) }),
        }),
      )
    },
  )

  app.post(
    '/:id/revoke',
    { schema: { tags, params: IdParams, response: { 200: Message, ...errors } } },
    async (req) => {
      const ctx = await caller(req, 'write')
      await services.keyLineage.revoke(ctx, (await userKey(ctx, req.params.id)).id, null)
      return message('revoked')
    },
  )

  app.delete('/:id', { schema: { tags, params: IdParams, response: { 200: Message, ...errors } } }, async (req) => {
    const ctx = await caller(req, 'write')
    await services.keyLineage.delete(ctx, (await userKey(ctx, req.params.id)).id)
    return message('deleted')
  })
}
