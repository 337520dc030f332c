import { createHmac, randomBytes } from 'node:crypto'

/** A new Standard Webhooks signing secret: `whsec_` + base64 of 32 random bytes. */
export function newWebhookSecret(): string {
  return 'whsec_' + randomBytes(32).toString('base64')
}

/**
 * Standard Webhooks headers for one message: `webhook-signature` is `v1,` + base64
 * HMAC-SHA256, keyed with the base64-decoded part of the secret after `whsec_`, over
 * `<id>.<timestamp>.<body>` (the exact bytes sent). `timestamp` is Unix seconds.
 */
export function signedHeaders(secret: string, id: string, timestamp: number, body: string): Record<string, string> {
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64')
  const mac = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')
  return { 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': `v1,${mac}` }
}
