import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { it } from 'node:test'
import { API_SCOPES } from '../../src/core/authz.js'

// The dashboard is built by Vite and is not part of this package's TypeScript program, so its
// copy of the list is read as text: a scope added to the server must be added there too.
it("the dashboard's list of Keyward API scopes is the server's", () => {
  const source = readFileSync(new URL('../../../dashboard/src/format.ts', import.meta.url), 'utf8')
  const block = /KEYWARD_API_SCOPES = \[([^\]]*)\]/.exec(source)?.[1]
  assert.ok(block, 'KEYWARD_API_SCOPES found in dashboard/src/format.ts')
  const listed = [...block.matchAll(/'([^']+)'/g)].map((m) => m[1])
  assert.deepEqual(listed.sort(), [...API_SCOPES].sort())
})
