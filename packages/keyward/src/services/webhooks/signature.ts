import { createHmac, randomBytes } from 'node:crypto'

/** A new Standard Webhooks signing secret: `whsec_` + base64 of 32 random bytes. */
export function newWebhookSecret(): string {
  return 'whsec_' + randomBytes(32).toString('base64')
}

/**
 * Standard Webhooks headers for one message: `webhook-signature` is `v1,` + base64
 * HMAC-SHA256, keyed with the base64-decoded part of the secret after `whsec_`, over
 * `<id>.<timestamp>.<body>` (the exact bytes sent). `timestamp` is Unix seconds. Several secrets
 * (a rotation's overlap) give several signatures, space-separated: a receiver accepts any.
 */
export function signedHeaders(
  secrets: readonly string[],
  id: string,
  timestamp: number,
  body: string,
): Record<string, string> {
  const signatures = secrets.map((s) => `v1,${mac(s, `${id}.${timestamp}.${body}`)}`)
  return { 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': signatures.join(' ') }
}

const mac = (secret: string, content: string): string =>
  createHmac('sha256', Buffer.from(secret.slice('whsec_'.length), 'base64'))
    .update(content)
    .digest('base64')
