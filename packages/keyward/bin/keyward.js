#!/usr/bin/env node
// The installed CLI: plain compiled JavaScript (`npm run build` writes dist/), no loader.
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
