import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import { requireScope } from '../../../core/authz.js'
import type { ApiKey } from '../../../core/types.js'
import type { Services } from '../../../services/index.js'
import { fromUnkey, unkeyNotes } from '../../../services/keys/import-input.js'
import { ctxOf } from '../../auth.js'
import { ImportKeysBody, ImportKeysResponse } from '../../import-schemas.js'
import {
  ApiKeyBody,
  CreateKeyBody,
  CreatedKeyBody,
  ErrorBody,
  IdParams,
  NoBody,
  ListKeysQuery,
  MadeByKeyBody,
  RevokedKeyBody,
  RolledKeyBody,
  UpdateKeyBody,
  UsageQuery,
  UsageResponse,
  VerifyBody,
  VerifyResponse,
  toApiKeyWire,
  toVerifyWire,
} from '../../schemas.js'

const RevokeBody = Type.Object(
  {
    reason: Type.Optional(Type.String({ maxLength: 500 })),
    minted: Type.Optional(
      Type.Boolean({
        description:
          'Also revoke every key this key made (`made_by_key_id`: created with it, or holding a live secret it made by rolling the key), and what those made, that you may see. Without it, only the keys its rolled-away secret made during a grace period the revoke cuts short go with it (whoever owns them).',
      }),
    ),
  },
  { additionalProperties: false },
)
const RollBody = Type.Object(
  { grace_period_s: Type.Optional(Type.Integer({ minimum: 0, maximum: 31_536_000 })) },
  { additionalProperties: false },
)
/** Body limit of an import call: 1,000 keys of up to about 4 KiB each (meta is at most 4,096 bytes). */
const IMPORT_BODY_LIMIT = 8 * 1024 * 1024
const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody }

type KeyPlugin = FastifyPluginAsyncTypebox<{ services: Services }>

/** Key lifecycle and verification. Handlers translate; rules live in KeyService and Verifier. */
export const keyRoutes: KeyPlugin = async (app, { services }) => {
  // Not the options whole: a `prefix` in them is this plugin's, and would be added again.
  for (const routes of [
    keyCollectionRoutes,
    keyVerifyRoute,
    keyImportRoute,
    keyItemRoutes,
    keyStateRoutes,
    keySecretRoutes,
  ])
    await app.register(routes, { services })
}

/** Keys as the caller may read them, with whether it may change each (`KeyService.seenBy`), in the wire shape. */
function keyWire(services: Services) {
  const all = async (req: FastifyRequest, keys: readonly ApiKey[]) =>
    (await services.keys.seenBy(ctxOf(req), keys)).map((s) => toApiKeyWire(s.key, services.clock.now(), s.canManage))
  return { all, one: async (req: FastifyRequest, k: ApiKey) => (await all(req, [k]))[0]! }
}

/** `/keys`: create, list. */
const keyCollectionRoutes: KeyPlugin = async (app, { services }) => {
  const wire = keyWire(services)

  app.post(
    '/keys',
    { schema: { tags: ['keys'], body: CreateKeyBody, response: { 201: CreatedKeyBody, ...errors } } },
    async (req, reply) => {
      const { key, apiKey } = await services.keys.create(ctxOf(req), req.body)
      return reply
        .status(201)
        .header('cache-control', 'no-store')
        .send({ key, api_key: await wire.one(req, apiKey) })
    },
  )

  app.get(
    '/keys',
    {
      schema: {
        tags: ['keys'],
        querystring: ListKeysQuery,
        response: {
          200: Type.Object({
            api_keys: Type.Array(ApiKeyBody),
            total: Type.Integer(),
            next_cursor: Type.Union([Type.String(), Type.Null()]),
          }),
        },
      },
    },
    async (req) => {
      const r = await services.keys.list(ctxOf(req), req.query)
      return { api_keys: await wire.all(req, r.keys), total: r.total, next_cursor: r.nextCursor }
    },
  )
}

/** `POST /keys/verify`: the gateway's call. */
const keyVerifyRoute: KeyPlugin = async (app, { services }) => {
  app.post(
    '/keys/verify',
    {
      // `KEYWARD_VERIFY_ACCESS_LOG` may quiet its access lines: a gateway's every request (`access-log.ts`).
      config: { verifyAccessLog: true },
      schema: { tags: ['keys'], body: VerifyBody, response: { 200: VerifyResponse, 401: ErrorBody, 403: ErrorBody } },
    },
    async (req) => {
      const ctx = ctxOf(req)
      requireScope(ctx.principal, 'keys:verify')
      return toVerifyWire(
        await services.verifier.verify(req.body.key, {
          scopes: req.body.scopes,
          viewer: ctx.principal,
          context: req.body.context,
          ratelimits: req.body.ratelimits,
          cost: req.body.cost,
        }),
      )
    },
  )
}

/** `POST /keys/import`: keys made elsewhere, native or Unkey's export. */
const keyImportRoute: KeyPlugin = async (app, { services }) => {
  app.post(
    '/keys/import',
    {
      // 1,000 keys with meta and scopes do not fit the default body limit made for one key.
      bodyLimit: IMPORT_BODY_LIMIT,
      schema: {
        tags: ['keys'],
        description:
          'Keys made elsewhere, by plaintext or SHA-256; all or none per call; idempotent on external_id and, for the same owner, on the secret; a secret held by any other key is a 409 naming only keys[i]. Such refusals spend a budget per person and hour (KEYWARD_SECRET_REFUSALS_PER_HOUR, shared with balena device keys): once spent, every import of that person is a 429 with Retry-After; at most 32 run at once.',
        body: ImportKeysBody,
        response: { 200: ImportKeysResponse, ...errors, 429: ErrorBody },
      },
    },
    async (req) => {
      const body = req.body
      const unkey = 'migrationId' in body
      const items = unkey ? body.keys.map(fromUnkey) : body.keys
      const notes = unkey ? body.keys.flatMap(unkeyNotes) : []
      return { ...(await services.keyImport.import(ctxOf(req), items, unkey ? `unkey:${body.apiId}` : null)), notes }
    },
  )
}

/** One key: read, usage, update. */
const keyItemRoutes: KeyPlugin = async (app, { services }) => {
  const wire = keyWire(services)
  app.get(
    '/keys/:id',
    { schema: { tags: ['keys'], params: IdParams, response: { 200: ApiKeyBody, ...errors } } },
    async (req) => wire.one(req, await services.keys.get(ctxOf(req), req.params.id)),
  )

  app.get(
    '/keys/:id/usage',
    {
      schema: {
        tags: ['keys'],
        params: IdParams,
        querystring: UsageQuery,
        response: { 200: UsageResponse, ...errors },
      },
    },
    async (req) => ({ days: await services.keyUsage.daily(ctxOf(req), req.params.id, req.query.days ?? 30) }),
  )

  app.patch(
    '/keys/:id',
    { schema: { tags: ['keys'], params: IdParams, body: UpdateKeyBody, response: { 200: ApiKeyBody, ...errors } } },
    async (req) => wire.one(req, await services.keys.update(ctxOf(req), req.params.id, req.body)),
  )
}

/** A key's state: disable, enable, revoke, delete. */
const keyStateRoutes: KeyPlugin = async (app, { services }) => {
  const wire = keyWire(services)
  app.post(
    '/keys/:id/disable',
    { schema: { tags: ['keys'], params: IdParams, response: { 200: ApiKeyBody, ...errors } } },
    async (req) => wire.one(req, await services.keys.disable(ctxOf(req), req.params.id)),
  )

  app.post(
    '/keys/:id/enable',
    { schema: { tags: ['keys'], params: IdParams, response: { 200: ApiKeyBody, ...errors } } },
    async (req) => wire.one(req, await services.keys.enable(ctxOf(req), req.params.id)),
  )

  app.post(
    '/keys/:id/revoke',
    { schema: { tags: ['keys'], params: IdParams, body: RevokeBody, response: { 200: RevokedKeyBody, ...errors } } },
    async (req) => {
      const [ctx, id, reason] = [ctxOf(req), req.params.id, req.body.reason ?? null]
      const lineage = services.keyLineage
      if (!req.body.minted) {
        const r = await lineage.revoke(ctx, id, reason)
        return { ...(await wire.one(req, r.key)), minted_revoked: r.descendants }
      }
      const r = await lineage.revokeWithDescendants(ctx, id, reason)
      const cleared = {
        passwords_cleared: r.passwordsCleared,
        own_password_cleared: r.ownPasswordCleared,
        webhooks_ended: r.webhooksEnded,
      }
      return { ...(await wire.one(req, r.key)), minted_revoked: r.descendants, ...cleared }
    },
  )

  app.get(
    '/keys/:id/made',
    {
      schema: {
        tags: ['keys'],
        description:
          'What revoking this key with `minted: true` would end now, for you: the same line and the same rule as the revoke, read without changing anything (the dashboard offers the option from it). Takes what the revoke takes: `keys:write`, and a key you may manage (else 404 or 403).',
        params: IdParams,
        response: { 200: MadeByKeyBody, ...errors },
      },
    },
    async (req) => {
      const m = await services.keyLineage.made(ctxOf(req), req.params.id)
      return { keys: m.keys, passwords: m.passwords, own_password: m.ownPassword, webhooks: m.webhooks }
    },
  )

  app.delete(
    '/keys/:id',
    {
      schema: {
        tags: ['keys'],
        description:
          'Deletes the key and its record (revoke keeps it for the audit). A key may not delete a key that made keys or chose a password (409): that would cut the line `revoke {minted: true}` follows; its owner may.',
        params: IdParams,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (req, reply) => {
      await services.keyLineage.delete(ctxOf(req), req.params.id)
      return reply.status(204).send(null)
    },
  )
}

/** A key's secret: roll it, end the grace period of the one a roll replaced. */
const keySecretRoutes: KeyPlugin = async (app, { services }) => {
  const wire = keyWire(services)
  app.post(
    '/keys/:id/roll',
    {
      schema: {
        tags: ['keys'],
        description:
          "Replaces the key's secret; the answer holds the new one, shown once. With `grace_period_s` the old secret keeps working until `previous_secret_expires_at`. A key keeps one replaced secret: a roll during a grace period ends the secret in it at once and revokes the keys that secret made during its grace period, with their line (`minted_revoked` counts them). 409 when another roll landed after this one read the key. 403 when a key rolls a key it was made from (created with it, or holding a secret it rolled).",
        params: IdParams,
        body: RollBody,
        response: { 200: RolledKeyBody, ...errors },
      },
    },
    async (req, reply) => {
      const rolled = await services.keyLineage.roll(ctxOf(req), req.params.id, req.body.grace_period_s ?? 0)
      const body = {
        key: rolled.key,
        api_key: await wire.one(req, rolled.apiKey),
        minted_revoked: rolled.mintedRevoked,
      }
      return reply.header('cache-control', 'no-store').send(body)
    },
  )

  app.post(
    '/keys/:id/end-grace',
    {
      schema: {
        tags: ['keys'],
        description:
          'Ends the grace period of the secret the last roll replaced: it is refused at once, on every node. Keys the old secret made during its grace period (directly or through a session opened with it) are revoked with their line (`minted_revoked` counts them); the keys of the current secret live on. Nothing to end (or a revoked key): the key as it is. 409 when a roll landed meanwhile (a new grace period).',
        params: IdParams,
        body: NoBody,
        response: { 200: RevokedKeyBody, ...errors },
      },
    },
    async (req) => {
      const r = await services.keyLineage.endGrace(ctxOf(req), req.params.id)
      return { ...(await wire.one(req, r.key)), minted_revoked: r.descendants }
    },
  )
}
