/**
 * The one error type of Keyward. Every request that cannot be served ends in a
 * `KeywardError` with a stable `code`; each HTTP face maps codes to its own
 * client's envelope through exhaustive tables, so a new code does not compile
 * until every face knows it. Messages are public: never put secrets or internals in them.
 */
export type ErrorCode =
  | 'validation_failed'
  /**
   * A well-formed request refused because answering it would cost too much: an OData cost limit
   * (`store/odata/limits.ts`) or a read over its time budget (`store/read-pool.ts`). Retrying cannot help.
   */
  | 'query_too_expensive'
  /**
   * A webhook http(s) URL refused before anything is sent: credentials in it, port 0, or (SSRF guard) it
   * names or resolves to a loopback, link-local or private address (`services/webhooks/target.ts`). A
   * string that is no http(s) URL is `validation_failed`.
   */
  | 'webhook_target_refused'
  | 'invalid_json'
  | 'unauthorized'
  | 'forbidden'
  /** A password change whose current password is wrong (the caller is signed in: 403, not 401). */
  | 'wrong_password'
  /** A login (any face) by a user an admin deactivated; said only after the password matched. */
  | 'account_deactivated'
  | 'not_found'
  | 'conflict'
  /** The change would leave no active instance admin (demote, deactivate, delete). */
  | 'last_admin'
  | 'payload_too_large'
  | 'unsupported_media_type'
  /** The request did not arrive in full within `KEYWARD_REQUEST_TIMEOUT_MS` (Node's parser; `http/client-errors.ts`). */
  | 'request_timeout'
  /** The request's headers are over Node's limit (16 KiB by default; `http/client-errors.ts`). */
  | 'headers_too_large'
  | 'rate_limited'
  /**
   * The mail server (`KEYWARD_SMTP_URL`) did not take a mail that is the request's only channel (an invitation:
   * its token is mailed and not answered), so what the request made is revoked. Retrying may help.
   */
  | 'mail_failed'
  | 'unavailable'
  | 'internal'

/** HTTP status of each code, shared by all faces. */
export const errorStatus: Record<ErrorCode, number> = {
  validation_failed: 400,
  query_too_expensive: 400,
  webhook_target_refused: 400,
  invalid_json: 400,
  unauthorized: 401,
  forbidden: 403,
  wrong_password: 403,
  account_deactivated: 403,
  not_found: 404,
  conflict: 409,
  last_admin: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  request_timeout: 408,
  headers_too_large: 431,
  rate_limited: 429,
  mail_failed: 502,
  unavailable: 503,
  internal: 500,
}

export interface KeywardErrorOptions {
  details?: unknown
  /** Seconds a client should wait before retrying (rate limits). */
  retryAfterS?: number
  /** Internal cause: logged, never sent to clients. */
  cause?: unknown
}

export class KeywardError extends Error {
  readonly code: ErrorCode
  readonly details: unknown
  readonly retryAfterS: number | undefined

  constructor(code: ErrorCode, message: string, options: KeywardErrorOptions = {}) {
    super(message, { cause: options.cause })
    this.name = 'KeywardError'
    this.code = code
    this.details = options.details
    this.retryAfterS = options.retryAfterS
  }

  get status(): number {
    return errorStatus[this.code]
  }
}

export const notFound = (what: string): KeywardError => new KeywardError('not_found', `${what} not found`)
/** The key a request presents can produce nothing more: `producerOf` (read before) and `requireLiveProducer` (in the write's transaction). */
export const producerRevoked = (): KeywardError =>
  new KeywardError('unauthorized', 'the key this request presents is revoked or disabled')
/** The login making something ended meanwhile (a revoke cleared the password it was opened with, a logout). */
export const loginEnded = (): KeywardError => new KeywardError('unauthorized', 'this session has ended; sign in again')
/** An identity a new key joins was deleted between the request's check of it and the write (`requireIdentities`). */
export const identityGone = (): KeywardError =>
  new KeywardError('conflict', 'an identity this key joins was deleted meanwhile; reload and retry')
export const rolledMeanwhile = (): KeywardError =>
  new KeywardError(
    'conflict',
    'the key was rolled meanwhile: its secrets are not the ones read; read it again and retry',
  )
export const rotatedMeanwhile = (): KeywardError =>
  new KeywardError('conflict', "the webhook's secret was rotated meanwhile; read it again and retry")
/** A request refused before any SQL runs because it would cost too much; `message` names the limit. */
export const tooExpensive = (message: string): KeywardError => new KeywardError('query_too_expensive', message)
export const invalid = (message: string, details?: unknown): KeywardError =>
  new KeywardError('validation_failed', message, { details })

/** A 400 about one input field, in the `details` shape of schema errors (`[{field, message}]`). */
export const invalidField = (field: string, message: string): KeywardError => invalid(message, [{ field, message }])

/**
 * Runs a step that must not look done when the database failed (a logout): an
 * error that is not already a KeywardError (a lost connection, a closed store)
 * becomes 503 `unavailable`, so clients retry instead of believing it happened.
 */
export async function unlessUnavailable<T>(what: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step()
  } catch (e) {
    if (e instanceof KeywardError) throw e
    throw new KeywardError('unavailable', `${what} could not be completed: the database is unavailable; try again`, {
      retryAfterS: 1,
      cause: e,
    })
  }
}

/**
 * 429 for a key over its rate limit: it is known and usable later, so the client gets the wait
 * until `resetAt` (its window's end; at least a second), not a 401 (Fluxbase §8).
 */
export function keyRateLimited(message: string, resetAt: string | undefined, nowMs: number): KeywardError {
  const retryAfterS = Math.max(1, Math.ceil((Date.parse(resetAt ?? '') - nowMs) / 1000) || 1)
  return new KeywardError('rate_limited', message, { retryAfterS, details: { code: 'RATE_LIMITED' } })
}
