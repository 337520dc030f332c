import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { AUDIT_ACTIONS, AUDIT_TARGET_TYPES } from '../../../core/audit-actions.js'
import type { Services } from '../../../services/index.js'
import { ctxOf } from '../../auth.js'
import { AuditEventBody, Id, toAuditWire } from '../../schemas.js'

const AuditQuery = Type.Object(
  {
    limit: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 500, description: 'At most this many entries (default 100).' }),
    ),
    before_id: Type.Optional({
      ...Id,
      description: 'Only entries older than this id: the last id of the page before.',
    }),
    // A closed list: an unknown name (a typo, an event name such as `key.revoked`) is a 400 naming
    // the actions, not an empty log that reads as "nothing happened" (core/audit-actions.ts).
    action: Type.Optional(
      Type.Enum([...AUDIT_ACTIONS], {
        description: 'Only entries of this action (a verb: `key.revoke`, not the webhook event `key.revoked`).',
      }),
    ),
    // An id alone names nothing (user 1, key 1 and identity 1 share it): give the type with it.
    target_type: Type.Optional(
      Type.Enum([...AUDIT_TARGET_TYPES], {
        description: 'Only entries about targets of this type (`api_key`, `user`, …).',
      }),
    ),
    target_id: Type.Optional({
      ...Id,
      description:
        'Only entries about the target with this id; with `target_type`, that one target (else every type with the id).',
    }),
  },
  { additionalProperties: false },
)

export const auditRoutes: FastifyPluginAsyncTypebox<{ services: Services }> = async (app, { services }) => {
  app.get(
    '/audit',
    {
      schema: {
        tags: ['audit'],
        description:
          'The audit trail, newest first: admins read every entry, others those about what they own ' +
          '(their keys, webhooks, organizations). Page with `before_id` = the last id seen. `key.create`, `key.import` ' +
          "and `key.roll` name the key's owner (`details.owner`: `{kind, id}`); no entry holds a secret.",
        querystring: AuditQuery,
        response: { 200: Type.Object({ events: Type.Array(AuditEventBody) }) },
      },
    },
    async (req) => {
      const q = req.query
      const events = await services.audit.list(ctxOf(req), {
        limit: q.limit,
        beforeId: q.before_id,
        action: q.action,
        targetType: q.target_type,
        targetId: q.target_id,
      })
      return { events: events.map(toAuditWire) }
    },
  )
}
