import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { it } from 'node:test'
import { API_SCOPES } from '../../src/core/authz.js'
import { KEY_EVENT_TYPES } from '../../src/store/key-event-repository.js'

// The dashboard is built by Vite and is not part of this package's TypeScript program, so its
// copies of server lists are read as text: a value added to the server must be added there too.
function dashboardList(file: string, name: string): string[] {
  const source = readFileSync(new URL(`../../../dashboard/src/${file}`, import.meta.url), 'utf8')
  const block = new RegExp(`${name} = \\[([^\\]]*)\\]`).exec(source)?.[1]
  assert.ok(block, `${name} found in dashboard/src/${file}`)
  return [...block.matchAll(/'([^']+)'/g)].map((m) => m[1]!)
}

it("the dashboard's list of Keyward API scopes is the server's", () => {
  assert.deepEqual(dashboardList('format.ts', 'KEYWARD_API_SCOPES').sort(), [...API_SCOPES].sort())
})

it("the dashboard's webhook event picker offers exactly the events the server accepts", () => {
  assert.deepEqual(dashboardList('webhooks.ts', 'WEBHOOK_EVENT_TYPES').sort(), [...KEY_EVENT_TYPES].sort())
})
