#!/usr/bin/env node
// Runs the CLI from its TypeScript sources through tsx's loader: what the tests spawn, so they
// exercise the current code without a build. Installed packages run bin/keyward.js (dist/).
import { register as registerHooks } from 'node:module'
import { register } from 'tsx/esm/api'
register()
// Registered last, so it runs first: adds the "keyward-source" condition before tsx resolves.
registerHooks('./source-condition.js', import.meta.url)
await import('../src/cli/main.ts')
