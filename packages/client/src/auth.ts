import type { Transport } from './transport.js'
import type { LoginResult, WhoAmI } from './types.js'

/** Sessions: `kw.auth`. */
export class Auth {
  constructor(private readonly http: Transport) {}

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
