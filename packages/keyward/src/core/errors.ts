/**
 * The one error type of Keyward. Every request that cannot be served ends in a
 * `KeywardError` with a stable `code`; each HTTP face maps codes to its own
 * client's envelope through exhaustive tables, so a new code does not compile
 * until every face knows it. Messages are public: never put secrets or internals in them.
 */
export type ErrorCode =
  | 'validation_failed'
  | 'invalid_json'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'rate_limited'
  | 'query_too_expensive'
  | 'unavailable'
  | 'internal'

/** HTTP status of each code, shared by all faces. */
export const errorStatus: Record<ErrorCode, number> = {
  validation_failed: 400,
  invalid_json: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  // The request asks more of one query than its time budget allows: retrying the same request cannot help.
  query_too_expensive: 400,
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
export const invalid = (message: string, details?: unknown): KeywardError =>
  new KeywardError('validation_failed', message, { details })
