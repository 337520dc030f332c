/**
 * `@keyward/client`: the TypeScript SDK of Keyward. Zero runtime dependencies: it uses the
 * global `fetch`, so it runs in Node >= 20, browsers, Deno, Bun and edge runtimes.
 */
export { createClient, type ClientOptions, type KeywardClient } from './client.js'
export { KeywardError, isKeywardError, type KeywardErrorCode, type KeywardErrorInit } from './errors.js'
export {
  ApiKeys,
  type OwnerLookups,
  type RevokeOptions,
  type RollOptions,
  type UsageOptions,
  type VerifyOptions,
} from './api-keys.js'
export { Auth, Sessions } from './auth.js'
export {
  Invitations,
  Organizations,
  type CreatedInvitation,
  type Invitation,
  type Member,
  type OrgRef,
  type OrgAbilities,
  type OrgRole,
  type Organization,
} from './organizations.js'
export { Identities } from './identities.js'
export { Applications, Audit, Collection, Devices, Listing, Users } from './resources.js'
export type { FetchLike } from './transport.js'
export {
  Webhooks,
  type CreateWebhookInput,
  type RotateWebhookSecretInput,
  type UpdateWebhookInput,
  type Webhook,
  type WebhookDelivery,
  type WebhookEvent,
  type WebhookEventType,
  type WebhookWithSecret,
} from './webhooks.js'
export { verifyWebhook } from './verify-webhook.js'
export { keyPrefixOf } from './key-prefix.js'
export type * from './types.js'
export type * from './limit-types.js'
