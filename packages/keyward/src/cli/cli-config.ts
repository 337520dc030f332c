import { homedir } from 'node:os'
import { join } from 'node:path'
import { UsageError } from './parse.js'

/** What the client commands (login, keys …, users …) read from flags and the environment. */
export interface CliConfig {
  /** Server origin, without a trailing slash. */
  readonly url: string
  /** A token given by `--token` or `KEYWARD_TOKEN`; wins over the stored one. */
  readonly token: string | null
  /** `KEYWARD_PASSWORD`, for non-interactive `login`. */
  readonly password: string | null
  /** Where `credentials.json` lives. */
  readonly configDir: string
}

/** Flags shared by the client commands. */
export interface CliFlags {
  url?: string
  token?: string
}

export const DEFAULT_URL = 'http://127.0.0.1:8080'

/**
 * The one reader of the CLI's environment (`KEYWARD_URL`, `KEYWARD_TOKEN`, `KEYWARD_PASSWORD`,
 * `KEYWARD_CONFIG_DIR`, `XDG_CONFIG_HOME`); flags win. Pure: the caller passes `process.env`.
 */
export function loadCliConfig(env: Record<string, string | undefined>, flags: CliFlags = {}): CliConfig {
  const url = (flags.url ?? (env.KEYWARD_URL || DEFAULT_URL)).replace(/\/+$/, '')
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new UsageError(`--url / KEYWARD_URL must be an http(s) URL, got "${url}"`)
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw new UsageError(`--url / KEYWARD_URL must be an http(s) URL, got "${url}"`)
  const configDir = env.KEYWARD_CONFIG_DIR || join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'keyward')
  return Object.freeze({
    url,
    token: flags.token ?? (env.KEYWARD_TOKEN || null),
    password: env.KEYWARD_PASSWORD || null,
    configDir,
  })
}
