import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import type { Services } from '../../../services/index.js'
import { ctxOf } from '../../auth.js'
import { AuditEventBody, Id, toAuditWire } from '../../schemas.js'

const AuditQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
    before_id: Type.Optional(Id),
    action: Type.Optional(Type.String({ maxLength: 100 })),
    target_id: Type.Optional(Type.String({ maxLength: 100 })),
  },
  { additionalProperties: false },
)

export const auditRoutes: FastifyPluginAsyncTypebox<{ services: Services }> = async (app, { services }) => {
  app.get(
    '/audit',
    {
      schema: {
        tags: ['audit'],
        querystring: AuditQuery,
        response: { 200: Type.Object({ events: Type.Array(AuditEventBody) }) },
      },
    },
    async (req) => {
      const events = await services.audit.list(ctxOf(req), { ...req.query, beforeId: req.query.before_id })
      return { events: events.map(toAuditWire) }
    },
  )
}
