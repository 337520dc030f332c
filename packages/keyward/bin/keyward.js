#!/usr/bin/env node
// The installed CLI: plain compiled JavaScript (`npm run build` writes dist/), no loader.
await import('../dist/cli/main.js')
