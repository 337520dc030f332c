/**
 * By hand, not part of `npm run bench`: Keyward's server under sets of node flags, alternated, for
 * the RSS with a full cache and what the flags cost (DESIGN.md, "Node flags of the server").
 *
 *   cd bench && node --conditions=keyward-source --import tsx src/flags-ab.ts [--rounds=2] default \
 *     --heap-growing-percent=0 --heap-growing-percent=20,--max-semi-space-size=8
 *
 * Each argument is one set: comma-separated flags added after the bin's `#!` flags, which they
 * override (the later flag wins). `default` adds none, so it runs the bin's flags as shipped; V8's
 * own default of a flag the bin sets is its neutral value (`--heap-growing-percent=0`: V8 chooses).
 * A 100,000-key store is seeded once and copied for every server, so each starts from the same
 * file. Per round, in a fresh random order, each set gets a fresh server (the bench's target
 * process, compiled, as `npm run bench` runs it): 2 s warm-up and 10 s
 * uniform over 10,000 of the keys, then the bench's fill (each of the 100,000 keys once), then 10 s
 * uniform over all of them. Prints one JSON line per server: req/s, the client's p99, the server's
 * loop delay (also less its waits for a CPU: `loop-held.ts`) and GC, and its RSS and V8 heap after the fill and after the last run. Add `--trace-gc`
 * to a set to count its collections (the target's stdout is this process's).
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startTarget } from './child.js'
import { bodiesOf, load } from './load.js'
import { makeKeys, sequential, uniform, writeKeys } from './population.js'

const KEYS = 100_000
const SMALL = 10_000
const CONNECTIONS = 64
const args = process.argv.slice(2)
const rounds = Number(args.find((a) => a.startsWith('--rounds='))?.slice('--rounds='.length) ?? 2)
const sets = args.filter((a) => !a.startsWith('--rounds='))
if (sets.length === 0) throw new Error('name at least one set of flags (or `default`)')

const dir = mkdtempSync(join(tmpdir(), 'bench-flags-'))
const keys = makeKeys(KEYS)
const all = bodiesOf(keys)
const few = all.slice(0, SMALL)
const seeder = await startTarget({
  kind: 'keyward',
  keysFile: writeKeys(join(dir, 'keys.txt'), keys),
  storeSize: KEYS,
  seedOnly: true,
})
await seeder.stop()
const none = writeKeys(join(dir, 'none.txt'), [])
const round1 = (x: number) => Math.round(x * 10) / 10

async function measureSet(round: number, set: string): Promise<void> {
  const nodeFlags = set === 'default' ? [] : set.split(',')
  const store = freshStore()
  const t = await startTarget({ kind: 'keyward', keysFile: none, dir: store, nodeFlags })
  try {
    const shot = (bodies: string[]) => ({ url: t.url, headers: t.ready.headers, bodies, pick: uniform(bodies.length) })
    await load(shot(few), CONNECTIONS, 2)
    await t.reset()
    const small = await load(shot(few), CONNECTIONS, 10)
    const s = await t.stats()
    await load({ ...shot(all), pick: sequential(KEYS) }, CONNECTIONS, 600, KEYS)
    const filled = await t.stats()
    await t.reset()
    const wide = await load(shot(all), CONNECTIONS, 10)
    const after = await t.stats()
    const line = {
      round,
      set,
      rps10k: Math.round(small.rps),
      p99: small.p99,
      loopMax10k: round1(s.loopMaxMs),
      loopHeld10k: round1(s.loopHeldMaxMs),
      loopP99: round1(s.loopP99Ms),
      gcMax: round1(s.gcMaxMs),
      gcPauses: s.gcPauses,
      rssFilled: round1(filled.rssMb),
      heapFilled: round1(filled.heapUsedMb),
      rps100k: Math.round(wide.rps),
      loopMax100k: round1(after.loopMaxMs),
      rssAfter: round1(after.rssMb),
      heapAfter: round1(after.heapUsedMb),
      heapCommitted: round1(after.heapTotalMb),
    }
    console.log(JSON.stringify(line))
  } finally {
    await t.stop()
    rmSync(store, { recursive: true, force: true })
  }
}

/** A copy of the seeded store: the servers before this one wrote usage rows and keys into theirs, not into it. */
function freshStore(): string {
  const copy = mkdtempSync(join(tmpdir(), 'bench-flags-store-'))
  cpSync(seeder.dir, copy, { recursive: true })
  return copy
}

/** A fresh random order (Fisher–Yates), so no set is tied to a server's position in the round. */
function shuffled<T>(list: readonly T[]): T[] {
  const out = [...list]
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1))
    ;[out[i], out[j]] = [out[j]!, out[i]!]
  }
  return out
}

for (let r = 0; r < rounds; r++) for (const set of shuffled(sets)) await measureSet(r, set)
