/**
 * Verifier trees against each other in one process, paired round by round (issue 11, by hand):
 *
 *   node --conditions=keyward-source --import tsx src/trees-ab.ts [--rounds=24] label=path/to/verifier/index.js …
 *
 * Each tree is a `dist/` build (`npm run build` in that tree: built code, as deployments run it) of
 * `packages/keyward/dist/verifier/index.js`; the first is the reference. Name the same tree twice
 * under two labels (two copies) for an A/A control: its spread is the method's noise. Every tree
 * gets its own copy of one seeded 10,000-key store, every key verified twice before timing (the
 * second use is a cache hit, which prepares the answer in trees that prepare one). Each round runs
 * every tree once, `verifySync` then awaited `verify` over one fixed draw of keys; the order turns
 * by one each round and reverses every other round, so every tree takes every place and follows
 * every other. Printed: each tree's median, and the median and range of its per-round ratios to the
 * reference (a pair measured seconds apart shares the machine's state; medians of different
 * rounds do not).
 */
import { copyFileSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setImmediate as turn } from 'node:timers/promises'
import { pathToFileURL } from 'node:url'
import type { KeywardVerifier, createVerifier } from 'keyward/verifier'
import { median } from './measure.js'
import { makeKeys } from './population.js'
import { seededStore } from './inprocess.js'

const SYNC_CALLS = 200_000
const AWAITED_CALLS = 100_000
const DRAWS = 1 << 16

interface Tree {
  label: string
  v: KeywardVerifier
  sync: number[]
  awaited: number[]
}

const rounds = Number(process.argv.find((a) => a.startsWith('--rounds='))?.slice('--rounds='.length) ?? 24)
const specs = process.argv.slice(2).filter((a) => !a.startsWith('--'))
if (specs.length < 2) throw new Error('usage: trees-ab.ts [--rounds=N] label=verifier/index.js label=… (two or more)')
const keys = makeKeys(10_000)
const store = (await seededStore(keys)).slice('sqlite:'.length)
const draws = Uint32Array.from({ length: DRAWS }, () => Math.floor(Math.random() * keys.length))
const keyAt = (i: number) => keys[draws[i & (DRAWS - 1)]!]!

/** A verifier of the tree at `path` over its own copy of the store, every key used twice. */
async function open(spec: string): Promise<Tree> {
  const [label, path] = spec.split('=') as [string, string]
  const { createVerifier: create } = (await import(pathToFileURL(path).href)) as {
    createVerifier: typeof createVerifier
  }
  const db = join(mkdtempSync(join(tmpdir(), 'trees-ab-')), 'keyward.db')
  copyFileSync(store, db)
  const v = await create({ databaseUrl: `sqlite:${db}` })
  for (const k of keys) await v.verify(k)
  for (const k of keys)
    if (v.verifySync(k)?.code !== 'VALID') throw new Error(`${label}: a population key is not VALID`)
  return { label, v, sync: [], awaited: [] }
}

/** Calls a second of `n` calls of `op`, checking every answer is VALID. */
async function rate(n: number, op: (key: string) => Promise<boolean> | boolean): Promise<number> {
  const start = performance.now()
  for (let i = 0; i < n; i++) if (!(await op(keyAt(i)))) throw new Error('an answer was not VALID')
  return (n / (performance.now() - start)) * 1000
}

async function round(trees: Tree[], r: number): Promise<void> {
  const turned = trees.map((_, i) => trees[(i + r) % trees.length]!)
  for (const t of r % 2 ? turned.reverse() : turned) {
    t.sync[r] = await rate(SYNC_CALLS, (k) => t.v.verifySync(k)?.code === 'VALID')
    await turn()
    t.awaited[r] = await rate(AWAITED_CALLS, async (k) => (await t.v.verify(k)).code === 'VALID')
    await turn()
  }
}

const span = (xs: number[]) => `${median(xs).toFixed(3)} (${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)})`

const trees: Tree[] = []
for (const spec of specs) trees.push(await open(spec))
try {
  for (let r = 0; r < rounds; r++) await round(trees, r)
  const [ref] = trees as [Tree]
  for (const t of trees) {
    const sync = t.sync.map((x, i) => x / ref.sync[i]!)
    const awaited = t.awaited.map((x, i) => x / ref.awaited[i]!)
    console.log(
      `${t.label.padEnd(12)} verifySync ${Math.round(median(t.sync))}/s ×ref ${span(sync)} | awaited ${Math.round(median(t.awaited))}/s ×ref ${span(awaited)}`,
    )
  }
} finally {
  for (const t of trees) await t.v.close()
}
