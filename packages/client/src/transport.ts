import { KeywardError } from './errors.js'
import type { ErrorEnvelope } from './types.js'

/** Anything shaped like the global `fetch` (tests, edge runtimes, instrumentation). */
export type FetchLike = (input: string, init: RequestInit) => Promise<Response>

/** Query values; `undefined` values are left out. */
export type Query = Record<string, string | number | boolean | undefined>

/** One request of the native API. */
export interface RequestOptions {
  query?: Query
  body?: unknown
  /** Send without the stored token (login). */
  anonymous?: boolean
}

/** Options of {@link Transport}. */
export interface TransportOptions {
  url: string
  token?: string | null
  fetch?: FetchLike
  headers?: Record<string, string>
  /** Per-request timeout; none by default. */
  timeoutMs?: number
  /** How many times a read (GET) is sent again after a 502, 503 or 504, or a lost connection (default 2). */
  retries?: number
}

/** Reads are retried (they change nothing); a write that failed may have happened, so it is not. */
const RETRIED_METHODS = new Set(['GET', 'HEAD'])
const RETRIED_STATUSES = new Set([502, 503, 504])
/** The longest wait between tries, whatever `Retry-After` asks: a longer outage is the caller's to handle. */
const MAX_RETRY_WAIT_MS = 5_000

/**
 * Sends JSON requests to the server and turns every failure into a {@link KeywardError}.
 * Holds the bearer token, so `auth.login` can set it for the calls that follow.
 */
export class Transport {
  readonly baseUrl: string
  token: string | null
  private readonly fetchFn: FetchLike
  private readonly headers: Record<string, string>
  private readonly timeoutMs: number | undefined
  private readonly retries: number

  constructor(opts: TransportOptions) {
    if (!/^https?:\/\//i.test(opts.url))
      throw new TypeError(`url must start with http:// or https://, got "${opts.url}"`)
    this.baseUrl = opts.url.replace(/\/+$/, '')
    this.token = opts.token ?? null
    const f = opts.fetch ?? globalThis.fetch
    if (typeof f !== 'function') throw new TypeError('no global fetch: pass { fetch } to createClient')
    // Call through a wrapper: some runtimes reject `fetch` invoked with another `this`.
    this.fetchFn = (input, init) => f(input, init)
    this.headers = opts.headers ?? {}
    this.timeoutMs = opts.timeoutMs
    this.retries = opts.retries ?? 2
    if (!Number.isInteger(this.retries) || this.retries < 0)
      throw new TypeError(`retries must be a whole number of at least 0, got ${String(opts.retries)}`)
  }

  /**
   * Sends a request; resolves with the parsed JSON body (undefined for 204). A read the server could
   * not answer (502/503/504: an outage, a node restarting) or that lost its connection is tried again,
   * up to `retries` times, after the server's `Retry-After` (at most 5 s) or 0.25 s, 0.5 s, 1 s….
   */
  async request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.send<T>(method, path, opts)
      } catch (e) {
        if (attempt >= this.retries || !RETRIED_METHODS.has(method) || !retriable(e)) throw e
        await sleep(Math.min(MAX_RETRY_WAIT_MS, e.retryAfterS ? e.retryAfterS * 1000 : 250 * 2 ** attempt))
      }
    }
  }

  private async send<T>(method: string, path: string, opts: RequestOptions): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json', ...this.headers }
    if (opts.body !== undefined) headers['content-type'] = 'application/json'
    if (this.token && !opts.anonymous) headers.authorization = `Bearer ${this.token}`
    const init: RequestInit = { method, headers, ...(opts.body !== undefined && { body: JSON.stringify(opts.body) }) }
    if (this.timeoutMs !== undefined) init.signal = AbortSignal.timeout(this.timeoutMs)
    const url = this.baseUrl + path + queryString(opts.query)
    let res: Response
    try {
      res = await this.fetchFn(url, init)
    } catch (e) {
      throw new KeywardError('network_error', `cannot reach Keyward at ${this.baseUrl}: ${describe(e)}`, {
        status: 0,
        cause: e,
      })
    }
    return parseResponse<T>(res)
  }
}

/** A failure another try may not have: the server could not answer, or the connection was lost (not a timeout). */
function retriable(e: unknown): e is KeywardError {
  if (!(e instanceof KeywardError)) return false
  return e.code === 'network_error' ? !isTimeout(e.cause) : RETRIED_STATUSES.has(e.status)
}

const isTimeout = (e: unknown) => e instanceof Error && e.name === 'TimeoutError'
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

async function parseResponse<T>(res: Response): Promise<T> {
  let text: string
  try {
    text = await res.text()
  } catch (e) {
    throw new KeywardError('network_error', `connection lost while reading the response: ${describe(e)}`, {
      status: res.status,
      cause: e,
    })
  }
  let body: unknown
  try {
    body = text === '' ? undefined : JSON.parse(text)
  } catch {
    if (res.ok)
      throw new KeywardError(
        'invalid_response',
        `expected JSON from the server, got ${res.headers.get('content-type') ?? 'no content type'}`,
        { status: res.status },
      )
  }
  if (res.ok) return body as T
  throw toError(res, body)
}

function toError(res: Response, body: unknown): KeywardError {
  const retry = Number(res.headers.get('retry-after'))
  const retryAfterS = Number.isFinite(retry) && retry > 0 ? retry : undefined
  const env = (body as Partial<ErrorEnvelope> | undefined)?.error
  if (env && typeof env === 'object' && typeof env.code === 'string') {
    return new KeywardError(env.code, typeof env.message === 'string' ? env.message : env.code, {
      status: res.status,
      details: env.details,
      requestId: env.request_id ?? res.headers.get('x-request-id') ?? undefined,
      retryAfterS,
    })
  }
  // Not Keyward's envelope (a proxy, a load balancer): keep the status, name the problem.
  return new KeywardError(
    res.status >= 500 ? 'unavailable' : 'invalid_response',
    `HTTP ${res.status} ${res.statusText}`.trim(),
    { status: res.status, details: body, retryAfterS },
  )
}

function queryString(q: Query | undefined): string {
  if (!q) return ''
  const params = new URLSearchParams()
  for (const [k, v] of Object.entries(q)) if (v !== undefined) params.set(k, String(v))
  const s = params.toString()
  return s ? `?${s}` : ''
}

function describe(e: unknown): string {
  if (!(e instanceof Error)) return String(e)
  // Node's fetch hides the real reason (ECONNREFUSED…) in `cause`.
  const cause = e.cause as { code?: string; message?: string } | undefined
  return cause?.code ?? cause?.message ?? e.message
}

/** `<base>/<id>`, encoded. Validation of the id is the server's (400 `validation_failed`). */
export function idPath(base: string, id: number | string): string {
  return `${base}/${encodeURIComponent(String(id))}`
}
