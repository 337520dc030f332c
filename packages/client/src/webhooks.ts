import { type Transport, idPath } from './transport.js'
import type { ApiKey } from './types.js'

/** Events a webhook can subscribe to. */
export type WebhookEventType =
  | 'key.created'
  | 'key.updated'
  | 'key.disabled'
  | 'key.enabled'
  | 'key.rolled'
  | 'key.revoked'
  | 'key.deleted'
  | 'key.leaked'
  | 'key.expiring'
  | 'key.expired'
  | 'key.idle'
  | 'key.usage_low'

/** A subscription to key events. Its signing secret is only in the create and rotate answers. */
export interface Webhook {
  id: number
  url: string
  events: WebhookEventType[]
  description: string | null
  owner: { kind: 'user'; id: number }
  /** While the secret the last rotation replaced still signs beside the new one: until when (null: none). */
  previous_secret_expires_at: string | null
  created_at: string
  updated_at: string
}

/** How a rotation treats the secret it replaces. */
export interface RotateWebhookSecretInput {
  /** Seconds the old secret keeps signing beside the new one (0 to 604,800; default 0: it stops at once). */
  grace_period_s?: number
}

/** A webhook with its signing secret (`whsec_…`), shown once: store it now. */
export interface WebhookWithSecret {
  webhook: Webhook
  secret: string
}

export interface CreateWebhookInput {
  url: string
  events: WebhookEventType[]
  description?: string | null
  /** Admins only: the user the webhook belongs to. */
  owner?: { kind: 'user'; id: number }
}

export type UpdateWebhookInput = Partial<Omit<CreateWebhookInput, 'owner'>>

/** One event sent (or being sent) to one webhook. */
export interface WebhookDelivery {
  id: number
  event_id: number
  event_type: WebhookEventType | 'webhook.test'
  key_id: number | null
  status: 'pending' | 'succeeded' | 'failed'
  attempts: number
  next_attempt_at: string
  last_attempt_at: string | null
  response_status: number | null
  latency_ms: number | null
  last_error: string | null
  created_at: string
}

/** What a receiver gets: `data` is the key as the API lists it, without `can_manage` (an event has no caller). */
export interface WebhookEvent {
  type: WebhookEventType | 'webhook.test'
  timestamp: string
  data: Omit<ApiKey, 'can_manage'> | { webhook_id: number }
}

/** `kw.webhooks`: signed webhooks (`/v1/webhooks`). */
export class Webhooks {
  constructor(private readonly http: Transport) {}

  create(input: CreateWebhookInput): Promise<WebhookWithSecret> {
    return this.http.request('POST', '/v1/webhooks', { body: input })
  }

  async list(): Promise<Webhook[]> {
    return (await this.http.request<{ webhooks: Webhook[] }>('GET', '/v1/webhooks')).webhooks
  }

  get(id: number): Promise<Webhook> {
    return this.http.request('GET', idPath('/v1/webhooks', id))
  }

  update(id: number, input: UpdateWebhookInput): Promise<Webhook> {
    return this.http.request('PATCH', idPath('/v1/webhooks', id), { body: input })
  }

  async delete(id: number): Promise<void> {
    await this.http.request('DELETE', idPath('/v1/webhooks', id))
  }

  /**
   * A new signing secret, shown once. The old one stops signing at once, or signs beside the new
   * one for `grace_period_s` (each delivery then carries both signatures) while receivers switch.
   */
  rotateSecret(id: number, input: RotateWebhookSecretInput = {}): Promise<WebhookWithSecret> {
    return this.http.request('POST', `${idPath('/v1/webhooks', id)}/rotate-secret`, { body: input })
  }

  /**
   * Ends the last rotation's overlap now: the replaced secret stops signing, the current one signs on
   * (409 `conflict` when a rotation landed meanwhile). For a replaced secret found exposed.
   */
  endOverlap(id: number): Promise<Webhook> {
    return this.http.request('POST', `${idPath('/v1/webhooks', id)}/end-overlap`)
  }

  /** Queues a `webhook.test` event to this webhook; answers its delivery. */
  test(id: number): Promise<WebhookDelivery> {
    return this.http.request('POST', `${idPath('/v1/webhooks', id)}/test`)
  }

  async deliveries(id: number, opts: { limit?: number } = {}): Promise<WebhookDelivery[]> {
    const path = `${idPath('/v1/webhooks', id)}/deliveries`
    return (await this.http.request<{ deliveries: WebhookDelivery[] }>('GET', path, { query: opts })).deliveries
  }

  redeliver(id: number, deliveryId: number): Promise<WebhookDelivery> {
    return this.http.request('POST', `${idPath(`${idPath('/v1/webhooks', id)}/deliveries`, deliveryId)}/redeliver`)
  }
}
