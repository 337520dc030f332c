/** Stable error codes of the server, plus the client's own `network_error` and `invalid_response`. */
export type KeywardErrorCode =
  | 'validation_failed'
  | 'invalid_json'
  | 'unauthorized'
  | 'forbidden'
  /** `auth.changePassword`: the current password is wrong. */
  | 'wrong_password'
  /** Login refused: an admin deactivated this account. */
  | 'account_deactivated'
  | 'not_found'
  | 'conflict'
  /** The change would leave the server without an active admin. */
  | 'last_admin'
  | 'payload_too_large'
  | 'unsupported_media_type'
  /** The request did not reach the server in full within its request timeout (a slow or stalled upload). */
  | 'request_timeout'
  /** The request's headers are over the server's limit. */
  | 'headers_too_large'
  /** The server refused a request that would cost too much (a filter, page or search beyond its limits). */
  | 'query_too_expensive'
  /**
   * A webhook URL the server will not call (a loopback/private address, credentials in it); a string that
   * is no http(s) URL is `validation_failed`.
   */
  | 'webhook_target_refused'
  | 'rate_limited'
  /**
   * `organizations.invite` on a server with a mail server: the invitation mail could not be sent (the mail server is
   * unreachable or refused the address); the invitation was revoked, and no token answered. Retrying may help.
   */
  | 'mail_failed'
  /** The server cannot answer now (its database is unreachable or busy): retry after `retryAfterS`. */
  | 'unavailable'
  | 'internal'
  /** The server could not be reached (DNS, refused connection, reset, abort, timeout). */
  | 'network_error'
  /** The server answered something that is not Keyward's JSON (a proxy's HTML page, say). */
  | 'invalid_response'

/** Options of a {@link KeywardError}. */
export interface KeywardErrorInit {
  /** HTTP status; 0 when no response arrived. */
  status: number
  details?: unknown
  /** The server's request id (`x-request-id`, on every response), to find the request in the server log. */
  requestId?: string
  /** Seconds to wait before retrying, from a `Retry-After` header. */
  retryAfterS?: number
  cause?: unknown
}

/**
 * The one error the client throws. `code` is the server's stable code (branch on it, not on
 * `message`); `status` its HTTP status. Verification outcomes are not errors: `verify` resolves
 * with `{ valid: false, code }` for a bad key.
 */
export class KeywardError extends Error {
  /** The server's stable code, or `network_error` / `invalid_response`. Unknown server codes pass through. */
  readonly code: KeywardErrorCode | (string & {})
  readonly status: number
  readonly details: unknown
  readonly requestId: string | undefined
  readonly retryAfterS: number | undefined

  constructor(code: KeywardErrorCode | (string & {}), message: string, init: KeywardErrorInit) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause })
    this.name = 'KeywardError'
    this.code = code
    this.status = init.status
    this.details = init.details
    this.requestId = init.requestId
    this.retryAfterS = init.retryAfterS
  }
}

/** Type guard that also works across copies of this package (`instanceof` does not). */
export function isKeywardError(e: unknown): e is KeywardError {
  return (
    e instanceof KeywardError ||
    (e instanceof Error && e.name === 'KeywardError' && typeof (e as { code?: unknown }).code === 'string')
  )
}
