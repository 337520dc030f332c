#!/usr/bin/env -S node --max-semi-space-size=16
// The installed CLI: plain compiled JavaScript (`npm run build` writes dist/), no loader.
// `--max-semi-space-size=16` (MB) is Node 20's young generation, on every Node: Node 24 sizes it from the host's
// memory (64 MB semi-spaces on a 24 GiB host), and with 100,000 cached keys the server's RSS read 359–367 MB against
// 273 MB with the cap, which cost 1–2 % of its verify throughput (BENCHMARKS.md, 2026-12-06). To choose another size,
// start `node --max-semi-space-size=N bin/keyward.js` (this line's flags override NODE_OPTIONS'). `npm start` and
// the bench's Keyward targets start through this line.
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
