import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { ADMIN, type Listening, listening } from './server.js'

const run = promisify(execFile)
const pkgDir = join(dirname(fileURLToPath(import.meta.url)), '..')
const tsc = join(pkgDir, '..', '..', 'node_modules', 'typescript', 'bin', 'tsc')

/** The published shape: `tsc` output that plain Node (no TypeScript loader) imports and runs. */
describe('the built package', () => {
  let l: Listening
  let outDir: string
  before(async () => {
    l = await listening('sqlite')
    outDir = mkdtempSync(join(tmpdir(), 'keyward-client-build-'))
    await run(process.execPath, [tsc, '-p', join(pkgDir, 'tsconfig.build.json'), '--outDir', outDir])
  })
  after(() => l.close())

  test('has no runtime dependencies and exports ESM with type declarations', () => {
    const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as Record<string, unknown>
    assert.equal(pkg.dependencies, undefined)
    assert.equal(pkg.type, 'module')
    for (const f of ['index.js', 'index.d.ts', 'client.js', 'errors.d.ts', 'types.d.ts'])
      assert.ok(existsSync(join(outDir, f)), f)
    const js = readFileSync(join(outDir, 'transport.js'), 'utf8')
    assert.doesNotMatch(js, /from ['"](?!\.)/, 'imports only its own modules')
  })

  test('runs in plain Node against a real server: login, create, verify, typed error', async () => {
    const script = join(outDir, 'smoke.mjs')
    writeFileSync(
      script,
      `
      import { createClient, KeywardError } from ${JSON.stringify('./index.js')}
      const kw = createClient({ url: process.argv[2] })
      await kw.auth.login({ email: process.argv[3], password: process.argv[4] })
      const { key } = await kw.apiKeys.create({ name: 'built', scopes: ['a:b'] })
      const v = await kw.apiKeys.verify(key, { scopes: ['a:b'] })
      const e = await kw.apiKeys.get(999999).catch((x) => x)
      console.log(JSON.stringify({ code: v.code, isError: e instanceof KeywardError, errCode: e.code, status: e.status }))
    `,
    )
    const { stdout } = await run(process.execPath, [script, l.url, ADMIN.email, ADMIN.password])
    assert.deepEqual(JSON.parse(stdout), { code: 'VALID', isError: true, errCode: 'not_found', status: 404 })
  })
})
