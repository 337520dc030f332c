import type { WebhookEvent } from './webhooks.js'

/** How far a `webhook-timestamp` may be from now (Standard Webhooks' usual tolerance): replays are refused. */
const TOLERANCE_S = 300

/**
 * Verifies a Keyward webhook (Standard Webhooks) and returns its parsed event; throws an
 * `Error` when the signature, timestamp or headers are wrong. `body` must be the raw request
 * body, exactly as received. Uses WebCrypto only (`crypto.subtle`), so it runs in Node >= 20,
 * browsers, Deno, Bun and edge runtimes.
 *
 * ```ts
 * const event = await verifyWebhook(process.env.WEBHOOK_SECRET, req.headers, rawBody)
 * ```
 */
export async function verifyWebhook(
  secret: string,
  headers: Headers | Record<string, string | string[] | undefined>,
  body: string,
  now: Date = new Date(),
): Promise<WebhookEvent> {
  const id = header(headers, 'webhook-id')
  const timestamp = header(headers, 'webhook-timestamp')
  const signatures = header(headers, 'webhook-signature')
  if (!id || !timestamp || !signatures) throw new Error('missing webhook-id, webhook-timestamp or webhook-signature')
  const t = Number(timestamp)
  if (!/^\d+$/.test(timestamp) || Math.abs(now.getTime() / 1000 - t) > TOLERANCE_S)
    throw new Error('webhook-timestamp is too old or too new')
  const expected = await sign(secret, `${id}.${timestamp}.${body}`)
  const ok = signatures.split(' ').some((s) => s.startsWith('v1,') && constantTimeEqual(s.slice(3), expected))
  if (!ok) throw new Error('no matching webhook signature')
  return JSON.parse(body) as WebhookEvent
}

function header(h: Headers | Record<string, string | string[] | undefined>, name: string): string | undefined {
  if (typeof (h as Headers).get === 'function') return (h as Headers).get(name) ?? undefined
  const v = (h as Record<string, string | string[] | undefined>)[name]
  return Array.isArray(v) ? v[0] : v
}

async function sign(secret: string, content: string): Promise<string> {
  const raw = Uint8Array.from(atob(secret.startsWith('whsec_') ? secret.slice(6) : secret), (c) => c.charCodeAt(0))
  const key = await crypto.subtle.importKey('raw', raw, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(content)))
  return btoa(String.fromCharCode(...mac))
}

/** Compares without stopping at the first difference, so timing does not reveal how much matched. */
function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false
  let diff = 0
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i)
  return diff === 0
}
