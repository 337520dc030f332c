import { type Static, Type } from 'typebox'
import { Nullable } from './nullable.js'
import { LIMIT_NAME_PATTERN, MAX_LIMITS, creditsAt } from '../core/limits.js'
import { MAX_COST } from '../services/policies/limit-step.js'
import { type Identity, MAX_ROW_ID } from '../core/types.js'

/** Wire schemas of named limits, verification costs and identities (DESIGN.md, "Named limits and identities"). */

const Id = Type.Integer({ minimum: 1, maximum: MAX_ROW_ID })
/**
 * `minLength` is checked before `pattern`, so an empty name (a blank dashboard row) is answered "the name cannot
 * be empty", not with the charset a new user read as wrong; `export`ed for the Unkey import's limits.
 */
export const LimitName = Type.String({
  minLength: 1,
  pattern: LIMIT_NAME_PATTERN,
  description: 'letters, digits, _ . : - (1-64)',
})
const Cost = Type.Integer({ minimum: 0, maximum: MAX_COST })

/** A named limit as written: `auto_apply` defaults to false (`default` is always auto-applied). */
export const NamedLimitInput = Type.Object(
  {
    name: LimitName,
    limit: Type.Integer({ minimum: 1, maximum: 1_000_000_000 }),
    window_s: Type.Integer({ minimum: 1, maximum: 31_536_000 }),
    auto_apply: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
)
/** A key's or identity's limits; `[]` removes them all. */
export const RateLimitsInput = Type.Array(NamedLimitInput, {
  maxItems: MAX_LIMITS,
  description:
    'Named limits: at most `limit` credits per `window_s`. Auto-applied ones are checked on every verification (cost 1); ' +
    'the others when a verification names them. The limit named `default` is the legacy `rate_limit`.',
})
export const NamedLimitBody = Type.Object({
  name: Type.String(),
  limit: Type.Integer(),
  window_s: Type.Integer(),
  auto_apply: Type.Boolean(),
})

/** What a verification asks of the limits. */
export const VerifyLimitFields = {
  ratelimits: Type.Optional(
    Type.Array(Type.Object({ name: LimitName, cost: Type.Optional(Cost) }, { additionalProperties: false }), {
      maxItems: MAX_LIMITS,
      description: 'Named limits to check besides the auto-applied ones, each with its cost (default 1, 0 allowed).',
    }),
  ),
  cost: Type.Optional({
    ...Cost,
    description: 'Credits to take from `remaining` (the key’s and its identity’s); default 1, 0 checks without taking.',
  }),
}

/** Every limit a verification checked. */
export const CheckedLimitsBody = Type.Array(
  Type.Object({
    name: Type.String(),
    on: Type.Union([Type.Literal('key'), Type.Literal('identity')]),
    limit: Type.Integer(),
    remaining: Type.Integer(),
    reset_at: Type.String(),
  }),
)

const Remaining = Type.Integer({ minimum: 0, maximum: 1_000_000_000 })

/** `remaining` in a key's or an identity's response (`core/limits.ts` `creditsAt`). */
export const RemainingShown = Nullable(
  Type.Integer({
    description:
      'Credits the next verification finds: a refill that is due shows here before it reaches the store. Null: unlimited.',
  }),
)
const Refill = Type.Object(
  {
    amount: Type.Integer({ minimum: 1, maximum: 1_000_000_000 }),
    interval_s: Type.Integer({ minimum: 1, maximum: 31_536_000 }),
  },
  { additionalProperties: false },
)
const ExternalId = Type.String({ minLength: 1, maxLength: 255 })
const Meta = Type.Record(Type.String(), Type.Unknown(), { maxProperties: 50 })

const identityFields = {
  meta: Type.Optional(Meta),
  ratelimits: Type.Optional(RateLimitsInput),
  remaining: Type.Optional(Nullable(Remaining)),
  refill: Type.Optional(Nullable(Refill)),
}
export const CreateIdentityBody = Type.Object(
  { external_id: ExternalId, ...identityFields },
  { additionalProperties: false },
)
export const UpdateIdentityBody = Type.Object(
  { external_id: Type.Optional(ExternalId), ...identityFields },
  { additionalProperties: false },
)
export const ListIdentitiesQuery = Type.Object(
  { external_id: Type.Optional(ExternalId), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })) },
  { additionalProperties: false },
)

export const IdentityBody = Type.Object({
  id: Id,
  external_id: Type.String(),
  meta: Type.Record(Type.String(), Type.Unknown()),
  ratelimits: Type.Array(NamedLimitBody),
  remaining: RemainingShown,
  refill: Nullable(Type.Object({ amount: Type.Integer(), interval_s: Type.Integer() })),
  created_at: Type.String(),
  updated_at: Type.String(),
})

/** An identity as the API shows it at `now` (its credits depend on the time: `creditsAt`). */
export const toIdentityWire = (i: Identity, now: Date): Static<typeof IdentityBody> => ({
  id: i.id,
  external_id: i.externalId,
  meta: i.meta,
  ratelimits: i.ratelimits.map((l) => ({ ...l })),
  remaining: creditsAt(i, now),
  refill: i.refill,
  created_at: i.createdAt,
  updated_at: i.updatedAt,
})
