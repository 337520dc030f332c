import assert from 'node:assert/strict'
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const PACKAGE = join(dirname(fileURLToPath(import.meta.url)), '..', '..')

/**
 * The real CLI entry point the tests spawn. `npm test` builds dist/ first and sets KEYWARD_TEST_CLI=dist:
 * then it is the compiled bin (bin/keyward.js, which says when dist/ is older than src/; spawned as `node
 * bin/keyward.js`, so without its #! line's V8 flags), and a command takes 0.39 s instead of 0.6 through tsx,
 * `keyward serve` 1.55 s to listen instead of 2.2 (a quiet CI host; over 250 places in the tests spawn one).
 * A test file run alone, without a build, runs the sources through tsx (scripts/keyward-source.js), so it
 * never tests a stale dist/. test/package/ runs the packed, installed one.
 */
export const BIN =
  process.env.KEYWARD_TEST_CLI === 'dist'
    ? join(PACKAGE, 'bin', 'keyward.js')
    : join(PACKAGE, 'scripts', 'keyward-source.js')

export interface CliResult {
  code: number | null
  stdout: string
  stderr: string
}

/** An environment without the caller's KEYWARD_* variables, so tests see only what they set. */
export function cleanEnv(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {}
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('KEYWARD_')) env[k] = v
  return { ...env, ...extra }
}

/** A fresh, empty config directory (where `login` stores credentials). */
export const tempConfigDir = (): string => mkdtempSync(join(tmpdir(), 'keyward-cli-'))

/** Runs `node <BIN> …args` to completion; `input` is written to its stdin (then closed). */
export function runCli(args: string[], env: Record<string, string>, input = ''): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
    child.stdin.end(input)
  })
}

/** `ok` runs a command that must succeed; `json` runs it with `--json` and parses stdout. `env` is read at each call. */
export function expectSuccess(env: () => Record<string, string>) {
  const ok = async (args: string[], input = ''): Promise<CliResult> => {
    const r = await runCli(args, env(), input)
    assert.equal(r.code, 0, `keyward ${args.join(' ')} failed: ${r.stderr}`)
    return r
  }
  const json = async <T = any>(args: string[]): Promise<T> => JSON.parse((await ok([...args, '--json'])).stdout) as T
  return { ok, json }
}

/** Starts `keyward serve` on a random port; resolves with the process and its URL once it listens. */
export async function startServe(
  env: Record<string, string>,
): Promise<{ child: ChildProcess; url: string; output: () => string }> {
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0'], { env, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (d: Buffer) => {
      output += d.toString()
      const m = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(output)
      if (m) resolve(m[1]!)
    }
    child.stdout.on('data', onData)
    child.stderr.on('data', (d: Buffer) => (output += d.toString()))
    child.once('exit', (code) => reject(new Error(`keyward serve exited with ${code} before listening:\n${output}`)))
  })
  return { child, url, output: () => output }
}
