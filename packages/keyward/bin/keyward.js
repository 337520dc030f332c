#!/usr/bin/env node
// Runs the TypeScript CLI through tsx's loader, so `npx keyward` works without a build step.
import { register as registerHooks } from 'node:module'
import { register } from 'tsx/esm/api'
register()
// Registered last, so it runs first: adds the "keyward-source" condition before tsx resolves.
registerHooks('./source-condition.js', import.meta.url)
await import('../src/cli/main.ts')
