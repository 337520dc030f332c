/**
 * The dashboard's calls to `/v1/webhooks` (kept apart from api.ts, which holds the key and account calls).
 */

import type {
  CreateWebhookInput,
  UpdateWebhookInput,
  Webhook,
  WebhookDelivery,
  WebhookEventType,
  WebhookWithSecret,
} from '@keyward/client'
import type { Api } from './api'

export type { CreateWebhookInput, UpdateWebhookInput, Webhook, WebhookDelivery, WebhookEventType, WebhookWithSecret }

/**
 * Every event a webhook may subscribe to (server: `KEY_EVENT_TYPES` in store/key-event-repository.ts,
 * which the create schema accepts; a test keeps the two lists equal).
 */
export const WEBHOOK_EVENT_TYPES = [
  'key.created',
  'key.updated',
  'key.disabled',
  'key.enabled',
  'key.rolled',
  'key.revoked',
  'key.deleted',
  'key.leaked',
  'key.expiring',
  'key.expired',
  'key.idle',
  'key.usage_low',
] as const satisfies readonly WebhookEventType[]

/** Signing-secret wording for SecretDialog: the server keeps it encrypted and never shows it again. */
export const WEBHOOK_SECRET = {
  noun: 'signing secret',
  why: 'Keyward keeps it encrypted and never shows it again; rotate it to get a new one.',
}

/** A delivery's status in words: the API's `succeeded` reads "delivered". */
export const deliveryStatus = (d: WebhookDelivery) => (d.status === 'succeeded' ? 'delivered' : d.status)

const path = (id: number) => `/webhooks/${id}`

/** The webhook calls, bound to the session's API client. */
export function webhookApi(api: Api) {
  return {
    list: async () => (await api.request<{ webhooks: Webhook[] }>('GET', '/webhooks')).webhooks,
    get: (id: number) => api.request<Webhook>('GET', path(id)),
    create: (input: CreateWebhookInput) => api.request<WebhookWithSecret>('POST', '/webhooks', input),
    update: (id: number, input: UpdateWebhookInput) => api.request<Webhook>('PATCH', path(id), input),
    remove: (id: number) => api.request<void>('DELETE', path(id)),
    rotateSecret: (id: number, graceS: number) =>
      api.request<WebhookWithSecret>('POST', `${path(id)}/rotate-secret`, { grace_period_s: graceS }),
    /** Ends the last rotation's overlap: the replaced secret stops signing. */
    endOverlap: (id: number) => api.request<Webhook>('POST', `${path(id)}/end-overlap`),
    test: (id: number) => api.request<WebhookDelivery>('POST', `${path(id)}/test`),
    deliveries: async (id: number) =>
      (await api.request<{ deliveries: WebhookDelivery[] }>('GET', `${path(id)}/deliveries?limit=100`)).deliveries,
    redeliver: (id: number, deliveryId: number) =>
      api.request<WebhookDelivery>('POST', `${path(id)}/deliveries/${deliveryId}/redeliver`),
  }
}

/** What `webhookApi` returns. */
export type WebhookApi = ReturnType<typeof webhookApi>
