import type { Transport } from './transport.js'
import { idPath } from './transport.js'
import type { ChangePasswordInput, LoginResult, Session, WhoAmI } from './types.js'

/** Your sessions: `kw.auth.sessions`. */
export class Sessions {
  constructor(private readonly http: Transport) {}

  /** Your live sessions, newest first; `current` marks the one in use. */
  async list(): Promise<Session[]> {
    return (await this.http.request<{ sessions: Session[] }>('GET', '/v1/auth/sessions')).sessions
  }

  /** Ends one of your sessions at once (on every node); another user's is `not_found`. */
  end(id: number | string): Promise<void> {
    return this.http.request<void>('DELETE', idPath('/v1/auth/sessions', id))
  }
}

/** Sessions: `kw.auth`. */
export class Auth {
  /** Your sessions: list them, end one. */
  readonly sessions: Sessions

  constructor(private readonly http: Transport) {
    this.sessions = new Sessions(http)
  }

  /**
   * Changes your password. `wrong_password` (403) when the current one is wrong; every other
   * session and refresh token of yours ends, this client's session stays.
   */
  changePassword(input: ChangePasswordInput): Promise<void> {
    return this.http.request<void>('POST', '/v1/auth/password', { body: input })
  }

  /**
   * Logs in with email (or username) and password. The session token is kept by the client
   * and sent with every later call; it is also returned as `access_token` to store elsewhere.
   */
  async login(credentials: { email: string; password: string }): Promise<LoginResult> {
    const r = await this.http.request<LoginResult>('POST', '/v1/auth/login', { body: credentials, anonymous: true })
    this.http.token = r.access_token
    return r
  }

  /** Ends the current session on the server and forgets the token. */
  async logout(): Promise<void> {
    await this.http.request<void>('POST', '/v1/auth/logout')
    this.http.token = null
  }

  /** Who the current credential is: a user (session or key) or an application/device key. */
  whoami(): Promise<WhoAmI> {
    return this.http.request<WhoAmI>('GET', '/v1/auth/whoami')
  }

  /** The bearer credential in use (session token or API key), if any. */
  get token(): string | null {
    return this.http.token
  }

  /** Uses another credential from now on (`null` for none). */
  setToken(token: string | null): void {
    this.http.token = token
  }
}
