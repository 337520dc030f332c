import { ApiKeys } from './api-keys.js'
import { Auth } from './auth.js'
import { Invitations, Organizations } from './organizations.js'
import { Identities } from './identities.js'
import { Applications, Audit, Devices, Users } from './resources.js'
import { type FetchLike, Transport } from './transport.js'
import { Webhooks } from './webhooks.js'

/** Options of {@link createClient}. */
export interface ClientOptions {
  /** The server's origin, e.g. `http://127.0.0.1:8080`. */
  url: string
  /** A session token (from `auth.login`) or an API key. */
  token?: string | null
  /** A `fetch` to use instead of the global one. */
  fetch?: FetchLike
  /** Extra headers sent with every request. */
  headers?: Record<string, string>
  /** Abort any attempt that takes longer than this (a retried read may take `retries` + 1 attempts). */
  timeoutMs?: number
  /**
   * How many times a read (GET) is sent again after a 502, 503 or 504 (the database or a node was
   * unavailable) or a lost connection, after the server's `Retry-After` (at most 5 s). Default 2; 0 turns
   * it off. Writes are never sent twice: one that failed may have happened. Each attempt is a request:
   * with a usage-limited or rate-limited key as the token, one the server counted spends a use.
   */
  retries?: number
}

/** A Keyward client: one object per server and credential. */
export interface KeywardClient {
  readonly auth: Auth
  readonly apiKeys: ApiKeys
  readonly identities: Identities
  readonly users: Users
  readonly applications: Applications
  readonly devices: Devices
  readonly audit: Audit
  readonly webhooks: Webhooks
  /** Organizations, their members and invitations. */
  readonly organizations: Organizations
  /** Accepting an invitation. */
  readonly invitations: Invitations
}

/**
 * Creates a client for Keyward's native API. No I/O happens until the first call.
 *
 * ```ts
 * const kw = createClient({ url: 'http://127.0.0.1:8080' })
 * await kw.auth.login({ email, password })
 * const { key } = await kw.apiKeys.create({ name: 'ci', scopes: ['invoices:read'] })
 * ```
 */
export function createClient(opts: ClientOptions): KeywardClient {
  const http = new Transport(opts)
  const auth = new Auth(http)
  const applications = new Applications(http)
  const devices = new Devices(http)
  const apiKeys = new ApiKeys(http, {
    whoami: () => auth.whoami(),
    findApplication: (ref) => applications.find(ref),
    findDevice: (ref) => devices.find(ref),
  })
  return {
    auth,
    apiKeys,
    identities: new Identities(http),
    users: new Users(http),
    applications,
    devices,
    audit: new Audit(http),
    webhooks: new Webhooks(http),
    organizations: new Organizations(http),
    invitations: new Invitations(http),
  }
}
