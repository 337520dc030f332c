#!/usr/bin/env node
// The installed CLI: plain compiled JavaScript (`npm run build` writes dist/), no loader.
import { existsSync } from 'node:fs'

const main = new URL('../dist/cli/main.js', import.meta.url)
// Only a checkout can lack dist/ (the published package ships it): say how to make it.
if (!existsSync(main)) {
  console.error('keyward: dist/ is missing: run `npm run build` at the repository root (or `npm start`)')
  process.exit(2)
}
await import(main.href)
