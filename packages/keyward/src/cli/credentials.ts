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
 * Session tokens by server URL in `<configDir>/credentials.json`, readable by the owner only
 * (0600, in a 0700 directory). Keyed by URL so a token is never sent to another server.
 */
export class CredentialStore {
  readonly path: string

  constructor(private readonly dir: string) {
    this.path = join(dir, 'credentials.json')
  }

  /** The stored session for a server, if any. */
  get(url: string): StoredSession | null {
    return this.read().servers[url] ?? null
  }

  /** Remembers the session for a server, replacing any earlier one. */
  set(url: string, session: StoredSession): void {
    const file = this.read()
    file.servers[url] = session
    this.write(file)
  }

  /** Forgets a server's session; true if there was one. */
  delete(url: string): boolean {
    const file = this.read()
    if (!(url in file.servers)) return false
    delete file.servers[url]
    this.write(file)
    return true
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
