/**
 * A measurement, not a test: what one verification cache miss costs on SQLite, and the part of it
 * spent building and compiling the lookup's query (`store/one-value-query.ts`).
 *
 *   cd packages/keyward && node --conditions=keyward-source --import tsx test/perf/miss-cost.ts [keys=10000] [lookups=20000]
 *
 * A store of `keys` keys; `lookups` distinct hashes of keys that exist nowhere (a flood's misses),
 * then the same number drawn from the keys that exist, each looked up once through the verifier's
 * repository, awaited one at a time. Prints µs per lookup; the unknown ones again built, compiled and
 * run per call (as before the query was compiled once); and the build-and-compile alone. Two rounds.
 */
import type { CompiledQuery, Kysely } from 'kysely'
import { generateKey, hashSecret } from '../../src/core/key-format.js'
import type { Database } from '../../src/store/schema.js'
import type { KeyRepository } from '../../src/store/key-repository.js'
import { fillServer } from './fill-keys.js'

const [count, lookups] = [Number(process.argv[2] ?? 10_000), Number(process.argv[3] ?? 20_000)]
const { kw, secrets } = await fillServer(count, { KEYWARD_CACHE_SIZE: '0' })
// The verifier's own repository (not exported by the services: only the verify path reads keys by hash).
const repo = (kw.services.verifier as unknown as { keys: KeyRepository }).keys
const unknown = Array.from({ length: lookups }, () => hashSecret(generateKey()))
const known = Array.from({ length: lookups }, (_, i) => hashSecret(secrets[i % secrets.length]!))
type Built = { compile(): CompiledQuery }
const built = repo as unknown as { byHash: { build(hash: string): Built }; db: Kysely<Database> }

async function perLookup(label: string, hashes: string[], f: (h: string) => unknown) {
  const t0 = performance.now()
  for (const h of hashes) await f(h)
  console.log(`${label}: ${(((performance.now() - t0) * 1000) / hashes.length).toFixed(1)} µs per lookup`)
}

for (let round = 1; round <= 2; round++) {
  await perLookup(`round ${round}, unknown hashes, findByHash`, unknown, (h) => repo.findByHash(h))
  await perLookup(`round ${round}, known hashes, findByHash`, known, async (h) => {
    if (!(await repo.findByHash(h))) throw new Error('a known key was not found')
  })
  // The same lookup as before it was compiled once: built, compiled and run per call (rows not mapped).
  await perLookup(`round ${round}, unknown hashes, built per call`, unknown, (h) =>
    built.db.executeQuery(built.byHash.build(h)),
  )
  await perLookup(`round ${round}, build and compile only`, unknown, (h) => built.byHash.build(h).compile())
}
await kw.close()
