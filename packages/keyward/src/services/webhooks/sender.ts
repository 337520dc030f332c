import { request as httpRequest } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { guardedLookup, parseTarget } from './target.js'

/** What one attempt got: an HTTP status (null if none arrived), its latency, and why it failed. */
export interface AttemptResult {
  ok: boolean
  status: number | null
  latencyMs: number
  error: string | null
}

/**
 * Sends one signed request. Success is a 2xx; a redirect is a failure (never followed: it
 * could point anywhere, the guard included); the whole attempt ends after `timeoutMs`;
 * `signal` aborts it (shutdown). The connection goes to the address `guardedLookup` checked.
 */
export function postOnce(
  rawUrl: string,
  headers: Record<string, string>,
  body: string,
  opts: { timeoutMs: number; allowPrivate: boolean; signal: AbortSignal },
): Promise<AttemptResult> {
  const started = performance.now()
  const done = (status: number | null, error: string | null): AttemptResult => ({
    ok: status !== null && status >= 200 && status < 300,
    status,
    latencyMs: Math.round(performance.now() - started),
    error: error ?? (status !== null && (status < 200 || status >= 300) ? describeStatus(status) : null),
  })
  return new Promise((resolve) => {
    let url: URL
    try {
      url = parseTarget(rawUrl, opts.allowPrivate)
    } catch (e) {
      return resolve(done(null, (e as Error).message))
    }
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest
    const req = send(url, {
      method: 'POST',
      agent: false,
      lookup: guardedLookup(opts.allowPrivate),
      headers: { ...headers, 'content-type': 'application/json', 'user-agent': 'Keyward-Webhooks/1' },
      signal: opts.signal,
    })
    const timer = setTimeout(() => req.destroy(new Error(`no answer within ${opts.timeoutMs} ms`)), opts.timeoutMs)
    req.on('response', (res) => {
      clearTimeout(timer)
      res.destroy() // the status is all we need; a slow or endless body must not hold the attempt
      resolve(done(res.statusCode ?? null, null))
    })
    req.on('error', (e) => {
      clearTimeout(timer)
      resolve(done(null, e.message.slice(0, 300)))
    })
    req.end(body)
  })
}

function describeStatus(status: number): string {
  return status >= 300 && status < 400 ? `redirect (${status}) not followed` : `HTTP ${status}`
}
