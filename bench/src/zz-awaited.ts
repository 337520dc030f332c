import { createVerifier } from 'keyward/verifier'
import { ShaMapBaseline } from './baseline.js'
import { seededStore } from './inprocess.js'
import { opsPerSecond, syncOpsPerSecond } from './measure.js'
import { makeKeys, uniform } from './population.js'

const keys = makeKeys(10_000)
const url = await seededStore(keys)
const v = await createVerifier({ databaseUrl: url })
for (const k of keys) await v.verify(k)
const base = new ShaMapBaseline(keys)
const pick = uniform(10_000)
const order = Uint32Array.from({ length: 1 << 18 }, () => pick())
let i = 0
const next = () => keys[order[i++ & ((1 << 18) - 1)]!]!
const loops: Record<string, () => Promise<number>> = {
  sync: () => syncOpsPerSecond(500, () => base.lookup(next())),
  baseAwait: () => opsPerSecond(500, () => Promise.resolve(base.lookup(next()))),
  verify: () => opsPerSecond(500, () => v.verify(next())),
  syncInPromise: () => opsPerSecond(500, () => Promise.resolve(v.verifySync(next()))),
  verifySync: () => syncOpsPerSecond(500, () => v.verifySync(next())),
}
const res: Record<string, number[]> = {}
for (let r = 0; r < 12; r++) {
  let s = 0
  for (const [name, f] of Object.entries(loops)) {
    const x = await f()
    if (name === 'sync') s = x
    ;(res[name] ??= []).push(x / s)
  }
}
const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!
for (const [n, xs] of Object.entries(res)) console.log(n.padEnd(14), med(xs).toFixed(3), Math.min(...xs).toFixed(2), Math.max(...xs).toFixed(2))
await v.close()
