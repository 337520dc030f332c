import { Type } from 'typebox'
import { KEY_EVENT_TYPES } from '../../../store/key-event-repository.js'
import type { WebhookRow } from '../../../store/schema.js'
import { Nullable } from '../../schemas.js'
import { MAX_ROW_ID } from '../../../core/types.js'

const Id = Type.Integer({ minimum: 1, maximum: MAX_ROW_ID })
const EventType = Type.Union(
  KEY_EVENT_TYPES.map((t) => Type.Literal(t)),
  {
    description:
      'key.deleted is also sent for each key of a deleted organization, application or device, key.revoked for each key of a deleted user; ' +
      'key.usage_low when remaining falls to 10 % of the refill amount or, without a refill, of the remaining the key ' +
      'was last given (once per refill or new value)',
  },
)
const Events = Type.Array(EventType, { minItems: 1, maxItems: KEY_EVENT_TYPES.length, uniqueItems: true })
const Url = Type.String({
  minLength: 1,
  maxLength: 2000,
  description: 'http(s) URL; loopback and private addresses are refused',
})
const Description = Type.String({ maxLength: 1000 })

export const WebhookParams = Type.Object({ id: Id })
/** An overlap is for switching a receiver over, not for keeping two secrets: at most 7 days. */
export const RotateSecretBody = Type.Object(
  {
    grace_period_s: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 604_800,
        description:
          'Seconds the replaced secret keeps signing beside the new one (each delivery carries both signatures); default 0: it stops at once.',
      }),
    ),
  },
  { additionalProperties: false },
)
export const DeliveryParams = Type.Object({ id: Id, delivery_id: Id })
export const DeliveriesQuery = Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })) })

export const CreateWebhookBody = Type.Object(
  {
    url: Url,
    events: Events,
    description: Type.Optional(Nullable(Description)),
    owner: Type.Optional(Type.Object({ kind: Type.Literal('user'), id: Id }, { additionalProperties: false })),
  },
  { additionalProperties: false },
)
export const UpdateWebhookBody = Type.Object(
  { url: Type.Optional(Url), events: Type.Optional(Events), description: Type.Optional(Nullable(Description)) },
  { additionalProperties: false, minProperties: 1 },
)

export const WebhookBody = Type.Object({
  id: Id,
  url: Type.String(),
  events: Type.Array(Type.String()),
  description: Nullable(Type.String()),
  owner: Type.Object({ kind: Type.Literal('user'), id: Id }),
  previous_secret_expires_at: Nullable(
    Type.String({
      description:
        'While the secret the last rotation replaced still signs beside the new one (its `grace_period_s`): until when. Null when there is none, or it has ended.',
    }),
  ),
  created_at: Type.String(),
  updated_at: Type.String(),
})
export const WebhookWithSecret = Type.Object({
  webhook: WebhookBody,
  secret: Type.String({ description: 'The signing secret (whsec_…), shown once: store it now.' }),
})

export const DeliveryBody = Type.Object({
  id: Id,
  event_id: Id,
  event_type: Type.String(),
  key_id: Nullable(Type.Integer()),
  status: Type.Union([Type.Literal('pending'), Type.Literal('succeeded'), Type.Literal('failed')]),
  attempts: Type.Integer(),
  next_attempt_at: Type.String(),
  last_attempt_at: Nullable(Type.String()),
  response_status: Nullable(Type.Integer()),
  latency_ms: Nullable(Type.Integer()),
  last_error: Nullable(Type.String()),
  created_at: Type.String(),
})

/** A webhook as clients see it: never its secret. */
/** A webhook as the API shows it at `now` (an overlap that has ended is history, not state). */
export function toWebhookWire(w: WebhookRow, now: Date) {
  const overlapEnd = w.previous_secret_expires_at
  return {
    id: w.id,
    url: w.url,
    events: JSON.parse(w.events) as string[],
    description: w.description,
    owner: { kind: 'user' as const, id: w.user_id },
    previous_secret_expires_at: overlapEnd && Date.parse(overlapEnd) > now.getTime() ? overlapEnd : null,
    created_at: w.created_at,
    updated_at: w.updated_at,
  }
}
