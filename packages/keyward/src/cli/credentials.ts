import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

/** What `keyward login` remembers for one server. */
export interface StoredSession {
  token: string
  email: string
  expires_at: string
}

interface CredentialsFile {
  servers: Record<string, StoredSession>
}

/**
 * The key a server's session is stored under: its origin, with loopback names made one
 * (`http://localhost:8080/` and `http://127.0.0.1:8080` are the same server on this machine).
 * Still per origin, so a token is never sent to another server.
 */
export function serverKey(url: string): string {
  const u = new URL(url)
  if (u.hostname === 'localhost' || u.hostname === '[::1]') u.hostname = '127.0.0.1'
  return u.origin
}

/**
 * Session tokens by server origin in `<configDir>/credentials.json`, readable by the owner only
 * (0600, in a 0700 directory). Keyed by origin (see `serverKey`) so a token is never sent to another server.
 */
export class CredentialStore {
  readonly path: string

  constructor(private readonly dir: string) {
    this.path = join(dir, 'credentials.json')
  }

  /** The stored session for a server, if any. */
  get(url: string): StoredSession | null {
    const key = serverKey(url)
    // Files written before origins were normalised are keyed by the URL as typed.
    const match = Object.entries(this.read().servers).find(([k]) => safeKey(k) === key)
    return match?.[1] ?? null
  }

  /** Remembers the session for a server, replacing any earlier one. */
  set(url: string, session: StoredSession): void {
    const file = this.read()
    this.forget(file, url)
    file.servers[serverKey(url)] = session
    this.write(file)
  }

  /** Forgets a server's session; true if there was one. */
  delete(url: string): boolean {
    const file = this.read()
    if (!this.forget(file, url)) return false
    this.write(file)
    return true
  }

  /** Drops every entry for the server `url` names; true if there was one. */
  private forget(file: CredentialsFile, url: string): boolean {
    const key = serverKey(url)
    const names = Object.keys(file.servers).filter((k) => safeKey(k) === key)
    for (const k of names) delete file.servers[k]
    return names.length > 0
  }

  private read(): CredentialsFile {
    let text: string
    try {
      text = readFileSync(this.path, 'utf8')
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { servers: {} }
      throw e
    }
    try {
      const parsed = JSON.parse(text) as Partial<CredentialsFile>
      return { servers: parsed.servers && typeof parsed.servers === 'object' ? parsed.servers : {} }
    } catch {
      // A damaged file holds nothing usable; the next login rewrites it.
      return { servers: {} }
    }
  }

  private write(file: CredentialsFile): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 })
    // Write a private temporary file, then rename: the token is never world-readable, even briefly.
    const tmp = `${this.path}.${process.pid}.tmp`
    writeFileSync(tmp, JSON.stringify(file, null, 2) + '\n', { mode: 0o600 })
    chmodSync(tmp, 0o600)
    renameSync(tmp, this.path)
  }
}

/** `serverKey` of a stored entry's name, or null for a name that is not a URL. */
function safeKey(name: string): string | null {
  try {
    return serverKey(name)
  } catch {
    return null
  }
}
