/** Starting, asking and stopping a target process (targets.ts) from the bench. */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import type { Ready, TargetSpec, TargetStats } from './protocol.js'

/** A running target. */
export interface Target {
  ready: Ready
  url: string
  dir: string
  proc: ChildProcess
  /** Starts a measurement window inside the target. */
  reset(): Promise<void>
  /** The window's event-loop delay, RSS and cache entries. */
  stats(): Promise<TargetStats>
  /** SIGTERM, then SIGKILL after 5 s (a target blocked in a synchronous query cannot run its handler). */
  stop(): Promise<void>
}

const STARTUP_MS = 300_000
const live = new Set<ChildProcess>()

/** SIGKILLs every target still running (the budget ran out; a blocked target would not hear SIGTERM). */
export function killTargets(): void {
  for (const p of live) p.kill('SIGKILL')
}

/** Spawns a target; resolves once it listens (bounded by STARTUP_MS). */
export async function startTarget(spec: Omit<TargetSpec, 'dir'> & { dir?: string }): Promise<Target> {
  const dir = spec.dir ?? mkdtempSync(join(tmpdir(), `bench-${spec.kind}-`))
  const entry = await compiledTargets()
  const flags = spec.kind === 'keyward' ? [...keywardNodeFlags(), ...(spec.nodeFlags ?? [])] : []
  const argv = [process.execPath, ...flags, ...profiling(), entry, JSON.stringify({ ...spec, dir })]
  const [cmd, ...args] = pinned() ? ['taskset', '-c', TARGET_CORE, ...argv] : argv
  const proc = spawn(cmd!, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  live.add(proc)
  proc.once('exit', () => live.delete(proc))
  const ready = await new Promise<Ready>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`target ${spec.kind} not ready after ${STARTUP_MS / 1000} s`)),
      STARTUP_MS,
    )
    proc.once('message', (m: { ready: Ready }) => (clearTimeout(timer), resolve(m.ready)))
    proc.once('exit', (code) => (clearTimeout(timer), reject(new Error(`target ${spec.kind} exited with ${code}`))))
  }).catch((e: unknown) => {
    proc.kill('SIGKILL')
    throw e
  })
  const ask = (cmd: 'reset' | 'stats') =>
    new Promise<TargetStats>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`target ${spec.kind} did not answer ${cmd}`)), 30_000)
      proc.once('message', (m: { stats: TargetStats }) => (clearTimeout(timer), resolve(m.stats)))
      proc.send({ cmd })
    })
  return {
    ready,
    proc,
    dir,
    url: `http://127.0.0.1:${ready.port}${ready.path}`,
    reset: async () => void (await ask('reset')),
    stats: () => ask('stats'),
    stop: () => stopProcess(proc),
  }
}

let compiled: Promise<string> | undefined

/**
 * The target processes' entry, `targets.ts` compiled to JavaScript for plain `node`: targets run
 * as a deployment runs Keyward (`npm start` runs the built `dist/`), not under tsx. Under tsx, its
 * loader thread and Keyward's sources compiled at run time held about 48 MB more RSS (an idle
 * process: plain node with Keyward's `dist/` 118 MB, tsx with its sources 166 MB; 2026-11-30),
 * which the RSS target would have charged to Keyward. esbuild bundles the bench's own code and
 * leaves packages as imports, so `keyward` resolves to its `dist/` (`npm run bench` builds it
 * first when stale). Written under `bench/.build/`, where those imports resolve.
 */
function compiledTargets(): Promise<string> {
  return (compiled ??= (async () => {
    const outfile = fileURLToPath(new URL('../.build/targets.mjs', import.meta.url))
    const targets = fileURLToPath(new URL('./targets.ts', import.meta.url))
    await build({
      entryPoints: [targets],
      outfile,
      bundle: true,
      platform: 'node',
      format: 'esm',
      packages: 'external',
    })
    return outfile
  })())
}

/**
 * The node flags Keyward's server starts with: those on its bin's `#!/usr/bin/env -S node …` line, read from
 * there (the one place they are written), so a Keyward target runs as `npm start` and `keyward serve` do.
 */
export function keywardNodeFlags(): string[] {
  const bin = readFileSync(fileURLToPath(new URL('../../packages/keyward/bin/keyward.js', import.meta.url)), 'utf8')
  const shebang = /^#!\/usr\/bin\/env -S node((?: --[\w-]+(?:=\S+)?)*)\n/.exec(bin)
  if (!shebang) throw new Error("keyward's bin does not start with `#!/usr/bin/env -S node [--flags]`")
  return shebang[1]!.trim().split(' ').filter(Boolean)
}

/** `BENCH_CPU_PROF=<dir>`: every target writes a V8 CPU profile there when it stops (open it in Chrome DevTools). */
function profiling(): string[] {
  const dir = process.env.BENCH_CPU_PROF
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : []
}

/**
 * `BENCH_PIN=1`: the bench (the load generator) runs on core 0 and every target on core 1, so neither
 * takes the other's core mid-turn; a target's own threads (GC helpers, the usage writer) share its core.
 */
export const pinned = () => process.env.BENCH_PIN === '1'
const TARGET_CORE = '1'

/** Under `BENCH_PIN=1`, moves this process and its threads to core 0 (before the load generator starts). */
export function pinClient(): void {
  if (pinned()) execFileSync('taskset', ['-a', '-p', '-c', '0', String(process.pid)], { stdio: 'ignore' })
}

function stopProcess(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    const kill = setTimeout(() => proc.kill('SIGKILL'), 5_000)
    proc.once('exit', () => (clearTimeout(kill), resolve()))
    proc.kill('SIGTERM')
  })
}
