import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import type { Services } from '../../../services/index.js'
import type { SessionSummary } from '../../../store/session-repository.js'
import { ctxOf } from '../../auth.js'
import { ErrorBody, IdParams, Nullable, Password } from '../../schemas.js'

/** One of your sessions; the response schema is the allow-list, so no token or hash can be in it. */
export const SessionBody = Type.Object({
  id: Type.Integer(),
  created_at: Type.String(),
  expires_at: Type.String(),
  last_used_at: Nullable(Type.String()),
  ip: Nullable(Type.String()),
  user_agent: Nullable(Type.String()),
  /** Opened with an API key (a Realm key login), not a password. */
  via_key: Type.Boolean(),
  /** The session making this request. */
  current: Type.Boolean(),
})

const toSessionWire = (s: SessionSummary, current: number | null) => ({
  id: s.id,
  created_at: s.createdAt,
  expires_at: s.expiresAt,
  last_used_at: s.lastUsedAt,
  ip: s.ip,
  user_agent: s.userAgent,
  via_key: s.viaKey,
  current: s.id === current,
})

/** Your password and your sessions: `POST /v1/auth/password`, `GET/DELETE /v1/auth/sessions`. */
export const sessionRoutes: FastifyPluginAsyncTypebox<{ services: Services }> = async (app, { services }) => {
  app.post(
    '/auth/password',
    {
      schema: {
        tags: ['auth'],
        body: Type.Object(
          { current_password: Type.String({ minLength: 1, maxLength: 1024 }), new_password: Password },
          { additionalProperties: false },
        ),
        response: { 204: Type.Null(), 403: ErrorBody, 429: ErrorBody },
      },
    },
    async (req, reply) => {
      await services.userLifecycle.changeOwnPassword(ctxOf(req), req.body.current_password, req.body.new_password)
      return reply.status(204).send(null)
    },
  )

  app.get(
    '/auth/sessions',
    { schema: { tags: ['auth'], response: { 200: Type.Object({ sessions: Type.Array(SessionBody) }) } } },
    async (req) => {
      const p = ctxOf(req).principal
      return { sessions: (await services.auth.sessionsOf(p)).map((s) => toSessionWire(s, p.sessionId)) }
    },
  )

  app.delete(
    '/auth/sessions/:id',
    { schema: { tags: ['auth'], params: IdParams, response: { 204: Type.Null(), 404: ErrorBody } } },
    async (req, reply) => {
      await services.auth.endSession(ctxOf(req), req.params.id)
      return reply.status(204).send(null)
    },
  )
}
