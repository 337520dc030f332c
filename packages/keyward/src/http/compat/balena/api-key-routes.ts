import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply } from 'fastify'
import { Type } from 'typebox'
import { invalid } from '../../../core/errors.js'
import { type ActorKind, MAX_ROW_ID } from '../../../core/types.js'
import type { Services } from '../../../services/index.js'
import { ctxOf } from '../../auth.js'
import { Nullable } from '../../schemas.js'
import { AppIdParams, DeviceIdParams, ExpiryDate, KeyDescription, KeyName, KeyString, expiryOf, idOf } from './wire.js'

const UserKeyBody = Type.Object(
  { name: KeyName, description: Type.Optional(Nullable(KeyDescription)), expiryDate: Type.Optional(ExpiryDate) },
  { additionalProperties: false },
)
const OwnedKeyBody = Type.Object(
  {
    name: Type.Optional(Nullable(KeyName)),
    description: Type.Optional(Nullable(KeyDescription)),
    expiryDate: Type.Optional(ExpiryDate),
  },
  { additionalProperties: false },
)
const DeviceKeyBody = Type.Object(
  { ...OwnedKeyBody.properties, apiKey: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })) },
  { additionalProperties: false },
)
const V2Body = Type.Object(
  {
    actorType: Type.Union([Type.Literal('user'), Type.Literal('application'), Type.Literal('device')]),
    actorTypeId: Type.Integer({ minimum: 1, maximum: MAX_ROW_ID }),
    roles: Type.Array(Type.String(), { minItems: 1, maxItems: 1 }),
    name: Type.Optional(Nullable(KeyName)),
    description: Type.Optional(Nullable(KeyDescription)),
    expiryDate: ExpiryDate,
    apiKey: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })),
  },
  { additionalProperties: false },
)

/** The role balena names for the keys of each actor type. */
const ROLE_OF: Record<ActorKind, string> = {
  user: 'named-user-api-key',
  application: 'provisioning-api-key',
  device: 'device-api-key',
  organization: 'named-user-api-key',
}

/** `/api-key/…`: creating keys; each answers the plaintext as a JSON string. Rules live in KeyService. */
export const apiKeyRoutes: FastifyPluginAsyncTypebox<{ services: Services }> = async (app, { services }) => {
  const create = async (
    req: Parameters<typeof ctxOf>[0],
    reply: FastifyReply,
    owner: { kind: ActorKind; id: number },
    body: { name?: string | null; description?: string | null; expiryDate?: string | null; apiKey?: string },
  ) => {
    const input = {
      owner,
      name: body.name ?? null,
      description: body.description || null,
      expires_at: expiryOf(body.expiryDate) ?? null,
    }
    const key = await services.odata.createKey(ctxOf(req), input, body.apiKey)
    // Fastify would send a bare string as text; balena clients expect a JSON string.
    return reply.type('application/json').header('cache-control', 'no-store').send(JSON.stringify(key))
  }
  const response = { 200: KeyString }

  app.post('/api-key/user/full', { schema: { hide: true, body: UserKeyBody, response } }, async (req, reply) => {
    const p = ctxOf(req).principal
    return create(req, reply, { kind: 'user', id: p.owner.id }, req.body)
  })

  app.post(
    '/api-key/application/:appId/provisioning',
    { schema: { hide: true, body: OwnedKeyBody, params: AppIdParams, response } },
    async (req, reply) =>
      create(req, reply, { kind: 'application', id: idOf(req.params.appId, 'application id') }, req.body),
  )

  app.post(
    '/api-key/device/:deviceId/device-key',
    { schema: { hide: true, body: DeviceKeyBody, params: DeviceIdParams, response } },
    async (req, reply) => create(req, reply, { kind: 'device', id: idOf(req.params.deviceId, 'device id') }, req.body),
  )

  app.post('/api-key/v2', { schema: { hide: true, body: V2Body, response } }, async (req, reply) => {
    const b = req.body
    if (b.roles[0] !== ROLE_OF[b.actorType])
      throw invalid(
        `role "${b.roles[0]}" does not match actor type "${b.actorType}" (expected "${ROLE_OF[b.actorType]}")`,
      )
    if (b.actorType === 'user' && !b.name) throw invalid('a named user API key needs a name')
    return create(req, reply, { kind: b.actorType, id: b.actorTypeId }, b)
  })
}
