#!/usr/bin/env -S node --max-semi-space-size=16 --no-allocation-site-pretenuring --heap-growing-percent=50
// The installed CLI: plain compiled JavaScript (`npm run build` writes dist/), no loader.
// `--max-semi-space-size=16` (MB) is Node 20's young generation, on every Node: Node 24 sizes it from the host's
// memory (64 MB semi-spaces on a 24 GiB host), and with 100,000 cached keys the server's RSS read 359–367 MB against
// 273 MB with the cap, which cost 1–2 % of its verify throughput (BENCHMARKS.md, 2026-12-06). To choose another size,
// start `node --max-semi-space-size=N bin/keyward.js` (this line's flags override NODE_OPTIONS'). `npm start` and
// the bench's Keyward targets start through this line.
// `--no-allocation-site-pretenuring` (V8 otherwise allocates objects from sites it saw survive straight into the old
// generation): under load on Node 20 the server fell, at random and until the end of each 10 s run, into a state
// where each scavenge kept and promoted about 2.7 MB (1.2–1.7 s of scavenge pauses in 10 s against 0.2–0.3 s, the
// loop delay's p99 13–15 ms against 5.5–7.3, the heap swinging to 200 MB between full collections): in 5 of 12 runs
// without the flag, none of 12 with it (test/perf/loop-delay.ts, alternated, 2026-12-06). Not seen on Node 24 in 5
// runs, where the flag changed nothing measurable. Why pretenuring leads there is not known (DESIGN.md, "Node flags
// of the server").
// `--heap-growing-percent=50`: the next full collection starts when the old generation has grown by half since the
// last one. V8 chose about twice: on Node 20, with 100,000 cached keys, the server's RSS read 234–332 MB (over 300 in
// four of eight runs) against 250–260 with the flag, for about 0.1 s more of full-collection work on the main thread
// in a 40 s run (3–4 → 8–9 of them). On Node 24 no gain is shown after 10 s of load (DESIGN.md, "Node flags of the
// server").
import { existsSync, statSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const main = new URL('../dist/cli/main.js', import.meta.url)
// Only a checkout can lack dist/ (the published package ships it): say how to make it.
if (!existsSync(main)) {
  console.error('keyward: dist/ is missing: run `npm run build` at the repository root (or `npm start`)')
  process.exit(2)
}
// In a checkout, a build older than the sources runs old code: say so (`npm start` and `npm test` rebuild).
const src = new URL('../src', import.meta.url)
const script = new URL('../../../scripts/ensure-build.mjs', import.meta.url)
if (existsSync(src) && existsSync(script)) {
  const { newest } = await import(script.href)
  if (newest(fileURLToPath(src)) > statSync(main).mtimeMs)
    console.error('keyward: warning: dist/ is older than src/, so this runs an old build: run `npm run build` first')
}
await import(main.href)
