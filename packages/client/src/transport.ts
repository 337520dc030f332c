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
}

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
  }

  /** Sends a request; resolves with the parsed JSON body (undefined for 204). */
  async request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
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
