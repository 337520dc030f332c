import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type Browser, type Page, chromium } from 'playwright-core'
import { loadConfig } from '../../src/config.js'
import { type Keyward, createKeyward } from '../../src/server.js'
import { DEFAULT_DASHBOARD_DIR } from '../../src/http/dashboard.js'
import { ADMIN, freshDatabase } from '../helpers.js'

/** Debian's Chromium (installed by .ci/run); no browser is downloaded. */
export const CHROMIUM = process.env.KEYWARD_CHROMIUM ?? '/usr/bin/chromium'

/**
 * Flags for a headless Chromium on a closed network: no background connections
 * (they are refused here, many at a time), no GPU, no sandbox (tests run as root).
 * Playwright adds --headless and a fresh temporary --user-data-dir itself.
 */
const FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

export function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `Chromium not found at ${CHROMIUM}: \`apt-get install chromium\` (bash .ci/run does it) or set KEYWARD_CHROMIUM`,
    )
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS })
}

/** Where screenshots go: the README's docs/screenshots/ when KEYWARD_SCREENSHOTS=1, else a temp folder. */
export function screenshotDir(tmp: string): string {
  const dir = process.env.KEYWARD_SCREENSHOTS
    ? join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..', 'docs', 'screenshots')
    : join(tmp, 'screenshots')
  mkdirSync(dir, { recursive: true })
  return dir
}

/**
 * A real Keyward server on a temp SQLite file, listening on a random port, serving the built dashboard;
 * `env` adds settings (`KEYWARD_WEBHOOK_ALLOW_PRIVATE`, say).
 */
export async function startServer(
  env: Record<string, string> = {},
): Promise<{ kw: Keyward; base: string; tmp: string }> {
  // Build the dashboard if it is missing or stale (the root `npm test` has done it already; a lone run may not have).
  execFileSync(process.execPath, [join(DEFAULT_DASHBOARD_DIR, '..', 'scripts', 'ensure-build.mjs')], {
    stdio: 'inherit',
  })
  const db = await freshDatabase('sqlite')
  const config = loadConfig({
    KEYWARD_DATABASE_URL: db.url,
    KEYWARD_LOG_LEVEL: 'silent',
    KEYWARD_USAGE_FLUSH_MS: '50',
    ...env,
  })
  const kw = await createKeyward(config, { logger: false, dashboardDir: DEFAULT_DASHBOARD_DIR })
  await kw.services.users.bootstrapAdmin(ADMIN.email, ADMIN.password)
  await kw.app.listen({ host: '127.0.0.1', port: 0 })
  const addr = kw.app.server.address()
  if (!addr || typeof addr === 'string') throw new Error('no TCP address')
  return { kw, base: `http://127.0.0.1:${addr.port}`, tmp: dirname(db.url.slice('sqlite:'.length)) }
}

/** A JSON call to the running server's API (the test's view of the truth, independent of the UI). */
export async function api(
  base: string,
  method: string,
  path: string,
  token?: string,
  body?: unknown,
): Promise<{ status: number; body: any }> {
  const res = await fetch(base + path, {
    method,
    headers: {
      ...(token && { authorization: `Bearer ${token}` }),
      ...(body !== undefined && { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await res.text()
  return { status: res.status, body: text ? JSON.parse(text) : undefined }
}

export async function login(base: string, email: string, password: string): Promise<string> {
  const r = await api(base, 'POST', '/v1/auth/login', undefined, { email, password })
  if (r.status !== 200) throw new Error(`login failed: ${r.status}`)
  return r.body.access_token
}

/** A server, Chromium, and a page signed in as the admin through the login form; `close` ends them all. */
export async function signedInDashboard(env: Record<string, string> = {}): Promise<{
  kw: Keyward
  base: string
  tmp: string
  browser: Browser
  page: Page
  admin: string
  close: () => Promise<void>
}> {
  const { kw, base, tmp } = await startServer(env)
  const browser = await launchChromium()
  const admin = await login(base, ADMIN.email, ADMIN.password)
  const page = await signIn(browser, base, ADMIN.email, ADMIN.password)
  return { kw, base, tmp, browser, page, admin, close: async () => (await browser.close(), await kw.close()) }
}

/** A new browser context signed in through the login form (its own sessionStorage), on the keys page. */
export async function signIn(browser: Browser, base: string, email: string, password: string): Promise<Page> {
  const ctx = await browser.newContext({ baseURL: base, viewport: { width: 1280, height: 800 } })
  ctx.setDefaultTimeout(10_000)
  const page = await ctx.newPage()
  await page.goto('/')
  await page.getByLabel('Email or username').fill(email)
  await page.getByLabel('Password').fill(password)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.getByRole('heading', { name: 'API keys' }).waitFor()
  return page
}
