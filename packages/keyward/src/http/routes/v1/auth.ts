import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { noStore } from '../../no-store.js'
import { Type } from 'typebox'
import { secretEnd } from '../../../core/key-view.js'
import type { ApiKey } from '../../../core/types.js'
import type { RequestContext } from '../../../services/context.js'
import type { Services } from '../../../services/index.js'
import { ctxOf } from '../../auth.js'
import { ApiKeyBody, ErrorBody, Nullable, UserBody, toApiKeyWire, toUserWire } from '../../schemas.js'

const LoginBody = Type.Object(
  {
    email: Type.String({ minLength: 1, maxLength: 320 }),
    password: Type.String({ minLength: 1, maxLength: 1024 }),
  },
  { additionalProperties: false },
)

const LoginResponse = Type.Object({
  access_token: Type.String(),
  token_type: Type.Literal('Bearer'),
  expires_at: Type.String(),
  user: UserBody,
})

const WhoAmI = Type.Object({
  actor: Type.Object({ kind: Type.String(), id: Type.Integer(), actor_id: Type.Integer() }),
  via: Type.Union([Type.Literal('session'), Type.Literal('key')]),
  scopes: Nullable(Type.Array(Type.String())),
  user: Nullable(UserBody),
  api_key: Nullable(ApiKeyBody),
  grace_ends_at: Nullable(
    Type.String({
      format: 'date-time',
      description:
        "Set when the caller presents a rolled-away secret (a roll's grace period): it stops working then. " +
        'Null for the current secret or a session.',
    }),
  ),
})

/** POST /v1/auth/login: email (or username) + password → session token. */
export const loginRoute: FastifyPluginAsyncTypebox<{ services: Services }> = async (app, { services }) => {
  app.post(
    '/auth/login',
    {
      onRequest: noStore,
      schema: {
        tags: ['auth'],
        security: [],
        body: LoginBody,
        response: { 200: LoginResponse, 401: ErrorBody, 429: ErrorBody },
      },
    },
    async (req) => {
      const r = await services.auth.login(req.body.email, req.body.password, req.ip, req.headers['user-agent'])
      return { access_token: r.token, token_type: 'Bearer' as const, expires_at: r.expiresAt, user: toUserWire(r.user) }
    },
  )
}

export const authRoutes: FastifyPluginAsyncTypebox<{ services: Services }> = async (app, { services }) => {
  // 503 when the database cannot record the logout: the session may still be alive, retry.
  app.post(
    '/auth/logout',
    { schema: { tags: ['auth'], response: { 204: Type.Null(), 503: ErrorBody } } },
    async (req, reply) => {
      await services.auth.logout(ctxOf(req).principal, req.ip)
      return reply.status(204).send(null)
    },
  )

  app.get('/auth/whoami', { schema: { tags: ['auth'], response: { 200: WhoAmI } } }, async (req) => {
    const ctx = ctxOf(req)
    const p = ctx.principal
    const user = p.owner.kind === 'user' ? await services.users.whoIs(p.owner.id) : null
    const key = p.keyId !== null ? await services.keys.findOwn(p.keyId) : null
    return {
      actor: { kind: p.owner.kind, id: p.owner.id, actor_id: p.owner.actorId },
      via: p.via,
      scopes: p.scopes,
      user: user ? toUserWire(user) : null,
      api_key: key ? await ownKeyWire(services, ctx, key) : null,
      // When the secret stops: its grace end, or the key's expiry if a later change brought that before it.
      grace_ends_at: p.graceEndsAt ? secretEnd(key?.expiresAt ?? null, p.graceEndsAt) : null,
    }
  })
}

/** The caller's own key as `whoami` shows it (`KeyService.seenBy`). */
async function ownKeyWire(services: Services, ctx: RequestContext, key: ApiKey) {
  const [seen] = await services.keys.seenBy(ctx, [key])
  return toApiKeyWire(seen!.key, services.clock.now(), seen!.canManage)
}
