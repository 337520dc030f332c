import { Type } from 'typebox'
import { MAX_LIMITS } from '../core/limits.js'
import { LimitName } from './limit-schemas.js'
import { CreateKeyBody, KeyName, Meta, Scope } from './schemas.js'

/**
 * Wire schemas of `POST /v1/keys/import`: Keyward's own body, or Unkey's `keys.migrateKeys`
 * body as is. Semantic checks (digest shapes, restrictions, rights) are the importer's.
 */
const { name: _name, prefix: _prefix, ...createFields } = CreateKeyBody.properties

const ImportKey = Type.Object(
  {
    ...createFields,
    name: Type.Optional(KeyName),
    plaintext: Type.Optional(
      Type.String({ minLength: 1, maxLength: 512, description: 'The secret, hashed on arrival and never stored.' }),
    ),
    hash: Type.Optional(
      Type.Object(
        {
          value: Type.String({ minLength: 1, maxLength: 100 }),
          variant: Type.Union([Type.Literal('sha256_hex'), Type.Literal('sha256_base64')]),
        },
        { additionalProperties: false, description: 'SHA-256 of the whole key as your system stored it.' },
      ),
    ),
    external_id: Type.Optional(
      Type.String({ minLength: 1, maxLength: 255, description: 'Its id where it comes from: re-imports skip it.' }),
    ),
    key_prefix: Type.Optional(Type.String({ maxLength: 40, description: 'The non-secret start listings show.' })),
    enabled: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
)

/**
 * Unkey's numbers within Keyward's own bounds (those of `POST /v1/keys`, limit-schemas.ts): a
 * PostgreSQL integer, and a window a Date can hold. Without them a credit of 2³¹ answered 500 on
 * PostgreSQL, and a rate-limit duration of 10¹⁸ ms was stored and made every verification of the
 * key a 500 (found by an attacker).
 */
const UNKEY_MAX = { credits: 1_000_000_000, durationMs: 31_536_000 * 1000 }

const UnkeyKey = Type.Object(
  {
    hash: Type.String({ minLength: 3, maxLength: 100 }),
    // Names, meta and scopes as `POST /v1/keys` takes them: looser, they were imported and the
    // key could then not be saved with its own values (a fuzzer's find). Roles and permissions
    // become scopes, together at most 100 (`KeyImporter.rowOf`).
    name: Type.Optional(KeyName),
    externalId: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
    meta: Type.Optional(Meta),
    roles: Type.Optional(Type.Array(Scope, { maxItems: 100 })),
    permissions: Type.Optional(Type.Array(Scope, { maxItems: 100 })),
    expires: Type.Optional(Type.Integer({ minimum: 0, maximum: 4102444800000 })),
    enabled: Type.Optional(Type.Boolean()),
    credits: Type.Optional(
      Type.Object({
        remaining: Type.Optional(Type.Union([Type.Integer({ minimum: 0, maximum: UNKEY_MAX.credits }), Type.Null()])),
        refill: Type.Optional(
          Type.Object({
            interval: Type.Union([Type.Literal('daily'), Type.Literal('monthly')]),
            amount: Type.Integer({ minimum: 1, maximum: UNKEY_MAX.credits }),
            refillDay: Type.Optional(Type.Integer({ minimum: 1, maximum: 31 })),
          }),
        ),
      }),
    ),
    // Each becomes a named limit of the key (Keyward's are modelled on Unkey's): names and count within Keyward's.
    ratelimits: Type.Optional(
      Type.Array(
        Type.Object({
          name: LimitName,
          limit: Type.Integer({ minimum: 1, maximum: UNKEY_MAX.credits }),
          duration: Type.Integer({ minimum: 1000, maximum: UNKEY_MAX.durationMs }),
          autoApply: Type.Optional(Type.Boolean()),
        }),
        { maxItems: MAX_LIMITS },
      ),
    ),
  },
  { additionalProperties: false },
)

/** `{keys: [...]}` (1 to 1,000), or Unkey's `{migrationId, apiId, keys}`. */
export const ImportKeysBody = Type.Union([
  Type.Object({ keys: Type.Array(ImportKey, { minItems: 1, maxItems: 1000 }) }, { additionalProperties: false }),
  Type.Object(
    {
      migrationId: Type.String({ minLength: 3, maxLength: 255 }),
      apiId: Type.String({ minLength: 3, maxLength: 255 }),
      keys: Type.Array(UnkeyKey, { minItems: 1, maxItems: 1000 }),
    },
    { additionalProperties: false },
  ),
])

export const ImportKeysResponse = Type.Object({
  imported: Type.Integer({ minimum: 0 }),
  unchanged: Type.Integer({
    minimum: 0,
    description: 'Keys whose external_id this owner already holds: left as they are.',
  }),
  keys: Type.Array(
    Type.Object({
      index: Type.Integer({ minimum: 0 }),
      id: Type.Integer({ minimum: 1 }),
      status: Type.Union([Type.Literal('imported'), Type.Literal('unchanged')]),
    }),
  ),
  notes: Type.Array(
    Type.Object({ index: Type.Integer({ minimum: 0 }), field: Type.String(), message: Type.String() }),
    { description: 'What Keyward stored otherwise than the body said (Unkey bodies only), by key and field.' },
  ),
})
