/**
 * A measurement, not a test: the server's memory with a full verification cache.
 *
 *   cd packages/keyward && node --expose-gc --import tsx test/perf/cache-memory.ts [keys=100000]
 *
 * Starts a server (services + HTTP app) on SQLite, inserts the keys, verifies each once so
 * each is cached, and prints RSS and V8 heap after full GCs: before the fill and after it.
 */
import { fillServer } from './fill-keys.js'

const count = Number(process.argv[2] ?? 100_000)
const gc = (globalThis as { gc?: () => void }).gc
if (!gc) throw new Error('run with node --expose-gc')

const mb = (n: number) => (n / 1024 / 1024).toFixed(1)

/** Memory after full collections (several: weak and finalization work settles over rounds). */
async function settled(): Promise<{ rss: number; heap: number }> {
  for (let i = 0; i < 4; i++) {
    gc!()
    await new Promise((r) => setImmediate(r))
  }
  const m = process.memoryUsage()
  return { rss: m.rss, heap: m.heapUsed }
}

const { kw, secrets } = await fillServer(count, { KEYWARD_CACHE_SIZE: String(count) })
const before = await settled()
for (const s of secrets) {
  const r = await kw.services.verifier.verify(s)
  if (!r.valid) throw new Error(`a filled key did not verify: ${r.code}`)
}
await kw.services.usage.flush()
const after = await settled()
secrets.length = 0 // the script's copies of the secrets are not the server's memory
const server = await settled()
const cached = kw.services.cache.size
console.log(`cached entries: ${cached}`)
console.log(`empty cache:  rss ${mb(before.rss)} MB, heap ${mb(before.heap)} MB (with the script's secrets)`)
console.log(`full cache:   rss ${mb(after.rss)} MB, heap ${mb(after.heap)} MB (with the script's secrets)`)
console.log(
  `per entry:    heap ${((after.heap - before.heap) / cached).toFixed(0)} B, rss ${((after.rss - before.rss) / cached).toFixed(0)} B`,
)
console.log(`server alone: rss ${mb(server.rss)} MB, heap ${mb(server.heap)} MB (full cache, secrets dropped)`)
await kw.close()
