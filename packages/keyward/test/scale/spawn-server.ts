import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { BIN } from '../cli/run-cli.js'
import { ADMIN } from '../helpers.js'

export interface Served {
  proc: ChildProcess
  base: string
  exited: Promise<number | null>
  /** Everything it wrote so far (its JSON log lines). */
  output: () => string
}

/** Starts `keyward serve` on port 0 and resolves with its base URL, read from its log. */
export async function serve(databaseUrl: string, env: Record<string, string> = {}): Promise<Served> {
  const proc = spawn(process.execPath, [BIN, 'serve', '--port', '0'], {
    env: {
      ...process.env,
      KEYWARD_DATABASE_URL: databaseUrl,
      KEYWARD_ADMIN_EMAIL: ADMIN.email,
      KEYWARD_ADMIN_PASSWORD: ADMIN.password,
      KEYWARD_LOG_LEVEL: 'info',
      KEYWARD_PASSWORD_SCRYPT_N: '16384',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const exited = once(proc, 'exit').then(([code]) => code as number | null)
  let out = ''
  const base = await new Promise<string>((resolve, reject) => {
    proc.stdout.on('data', (d: Buffer) => {
      out += d.toString()
      const m = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(out)
      if (m) resolve(m[1]!)
    })
    proc.stderr.on('data', (d: Buffer) => (out += d.toString()))
    void exited.then((code) => reject(new Error(`keyward serve exited (${code}) before listening: ${out}`)))
  })
  return { proc, base, exited, output: () => out }
}
