import assert from 'node:assert/strict'
import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { promisify } from 'node:util'
import { gzipSync } from 'node:zlib'
import { build } from 'esbuild'
import { launchChromium } from '../dashboard/browser.js'
import { ADMIN } from '../helpers.js'
import { type InstalledProject, installPublished, plainEnv, sha256, workspaceAddonFile } from './installed.js'

const run = promisify(execFile)
/** The goal for the SDK in a browser bundle, gzipped. */
const CLIENT_GZIP_BUDGET = 6 * 1024

/** `npx keyward serve --port 0` in the installed project; resolves once it listens. */
async function serveInstalled(dir: string, env: Record<string, string>): Promise<{ child: ChildProcess; url: string }> {
  // Its own process group, so stopping it reaches the server under npx.
  const child = spawn('npx', ['--no', 'keyward', 'serve', '--port', '0'], {
    cwd: dir,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString()
      const m = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(output)
      if (m) resolve(m[1]!)
    })
    child.stderr.on('data', (d: Buffer) => (output += d.toString()))
    child.once('exit', (code) => reject(new Error(`npx keyward serve exited with ${code}:\n${output}`)))
  })
  return { child, url }
}

/** Runs a script file in plain `node` (no loader, no flags) inside the installed project. */
async function plainNode(dir: string, file: string, source: string, args: string[] = []): Promise<string> {
  writeFileSync(join(dir, file), source)
  const { stdout } = await run(process.execPath, [file, ...args], { cwd: dir, env: plainEnv() })
  return stdout
}

describe('the published packages, packed and installed offline into an empty project', () => {
  let project: InstalledProject
  let server: { child: ChildProcess; url: string }
  let databaseUrl: string
  before(async () => {
    project = await installPublished()
    databaseUrl = `sqlite:${join(mkdtempSync(join(tmpdir(), 'keyward-installed-db-')), 'keyward.db')}`
    server = await serveInstalled(
      project.dir,
      plainEnv({
        KEYWARD_DATABASE_URL: databaseUrl,
        KEYWARD_ADMIN_EMAIL: ADMIN.email,
        KEYWARD_ADMIN_PASSWORD: ADMIN.password,
        KEYWARD_LOG_LEVEL: 'info',
      }),
    )
  })
  after(async () => {
    if (!server || server.child.exitCode !== null) return
    const exited = once(server.child, 'exit')
    process.kill(-server.child.pid!, 'SIGTERM')
    await exited
  })

  test("installs from the tarballs and the npm cache, reusing the workspace's compiled better-sqlite3", (t) => {
    t.diagnostic(`npm ci --offline took ${project.installSeconds.toFixed(1)} s`)
    const addon = join(project.dir, 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node')
    assert.equal(sha256(addon), sha256(workspaceAddonFile()), 'the local prebuild was used, not a fresh compile')
    const installed = JSON.parse(
      readFileSync(join(project.dir, 'node_modules', 'keyward', 'package.json'), 'utf8'),
    ) as { dependencies: Record<string, string> }
    assert.equal(installed.dependencies.tsx, undefined, 'tsx is not a runtime dependency')
  })

  test('npx keyward serve answers /healthz and serves the dashboard shipped in the package', async () => {
    assert.deepEqual(await (await fetch(`${server.url}/healthz`)).json(), { status: 'ok' })
    const page = await fetch(`${server.url}/`)
    assert.equal(page.status, 200)
    assert.match(await page.text(), /<div id="root">/)
  })

  test('plain node: @keyward/client creates a key and keyward/verifier verifies it in-process', async () => {
    const out = await plainNode(
      project.dir,
      'verify.mjs',
      `
      import { createClient } from '@keyward/client'
      import { createVerifier } from 'keyward/verifier'
      const [url, email, password, databaseUrl] = process.argv.slice(2)
      const kw = createClient({ url })
      await kw.auth.login({ email, password })
      const { key } = await kw.apiKeys.create({ name: 'installed', scopes: ['read:things'] })
      const verifier = await createVerifier({ databaseUrl })
      const valid = await verifier.verify(key, { scopes: ['read:things'] })
      const scoped = await verifier.verify(key, { scopes: ['write:things'] })
      const typo = await verifier.verify(key.slice(0, -1) + (key.endsWith('a') ? 'b' : 'a'))
      await verifier.close()
      console.log(JSON.stringify([valid.code, scoped.code, typo.code]))
    `,
      [server.url, ADMIN.email, ADMIN.password, databaseUrl],
    )
    assert.deepEqual(JSON.parse(out), ['VALID', 'INSUFFICIENT_SCOPES', 'MALFORMED'])
  })

  test('npx keyward login, then keys list --json, against the running server', async () => {
    const env = plainEnv({
      KEYWARD_URL: server.url,
      KEYWARD_CONFIG_DIR: mkdtempSync(join(tmpdir(), 'keyward-installed-cli-')),
    })
    await run('npx', ['--no', 'keyward', 'login', '--email', ADMIN.email, '--password', ADMIN.password], {
      cwd: project.dir,
      env,
    })
    const { stdout } = await run(
      'npx',
      ['--no', 'keyward', 'keys', 'create', '--name', 'from-installed-cli', '--json'],
      { cwd: project.dir, env },
    )
    const created = JSON.parse(stdout) as { api_key: { id: number } }
    const listed = JSON.parse(
      (await run('npx', ['--no', 'keyward', 'keys', 'list', '--json'], { cwd: project.dir, env })).stdout,
    ) as { api_keys: { id: number; name: string }[] }
    assert.equal(listed.api_keys.find((k) => k.id === created.api_key.id)?.name, 'from-installed-cli')
  })

  test(`@keyward/client bundles with esbuild for the browser (≤ ${CLIENT_GZIP_BUDGET} bytes gzipped) and runs in Chromium`, async (t) => {
    const bundle = async (contents: string) =>
      (
        await build({
          stdin: { contents, resolveDir: project.dir, loader: 'js' },
          bundle: true,
          format: 'esm',
          platform: 'browser',
          minify: true,
          write: false,
          logLevel: 'silent',
        })
      ).outputFiles[0]!.text
    const whole = await bundle(`export * from '@keyward/client'`)
    const gzipped = gzipSync(whole).length
    t.diagnostic(`@keyward/client, every export, minified: ${whole.length} bytes, gzipped: ${gzipped} bytes`)
    assert.ok(gzipped <= CLIENT_GZIP_BUDGET, `${gzipped} bytes gzipped`)

    const smoke = await bundle(`
      import { createClient } from '@keyward/client'
      window.smoke = (async () => {
        const kw = createClient({ url: location.origin })
        await kw.auth.login(${JSON.stringify(ADMIN)})
        const { key } = await kw.apiKeys.create({ name: 'from-the-browser' })
        return (await kw.apiKeys.verify(key)).code
      })()
    `)
    const browser = await launchChromium()
    try {
      const page = await browser.newPage()
      await page.goto(`${server.url}/healthz`) // same origin as the API, and a page without the dashboard's CSP
      await page.addScriptTag({ content: smoke, type: 'module' })
      // A module script runs after it is added, not during addScriptTag: wait for it to have set window.smoke.
      await page.waitForFunction(() => 'smoke' in window)
      assert.equal(await page.evaluate(() => (window as unknown as { smoke: Promise<string> }).smoke), 'VALID')
    } finally {
      await browser.close()
    }
  })
})
