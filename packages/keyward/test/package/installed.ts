import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { type PackedTarball, offlineLockfile } from './offline-lock.js'

const run = promisify(execFile)
/** The repository root (the npm workspace). */
export const WORKSPACE = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..')

/** An empty project with the two published packages installed from their tarballs. */
export interface InstalledProject {
  dir: string
  tarballs: PackedTarball[]
  /** Seconds `npm ci --offline` took. */
  installSeconds: number
}

/** The environment of a plain `node` child: no loader or condition inherited through NODE_OPTIONS. */
export function plainEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {}
  for (const [k, v] of Object.entries(process.env))
    if (v !== undefined && !k.startsWith('KEYWARD_') && k !== 'NODE_OPTIONS') env[k] = v
  return { ...env, ...extra }
}

/** `npm pack` of keyward and @keyward/client (their prepack builds dist/ when stale). */
async function pack(dest: string): Promise<PackedTarball[]> {
  const { stdout } = await run(
    'npm',
    ['pack', '-w', 'keyward', '-w', '@keyward/client', '--pack-destination', dest, '--json'],
    { cwd: WORKSPACE, env: plainEnv(), maxBuffer: 64 << 20 },
  )
  // npm prints the prepack scripts' output before the JSON report.
  const report = JSON.parse(stdout.slice(stdout.indexOf('\n[') + 1)) as {
    name: string
    filename: string
    integrity: string
  }[]
  return report.map((r) => ({ name: r.name, file: join(dest, r.filename), integrity: r.integrity }))
}

/** The better-sqlite3 addon this process loads (built by the workspace's install, for this Node's ABI). */
function workspaceAddon(): { version: string; file: string } {
  const require = createRequire(join(WORKSPACE, 'packages', 'keyward', 'package.json'))
  const pkgJson = require.resolve('better-sqlite3/package.json')
  const { version } = JSON.parse(readFileSync(pkgJson, 'utf8')) as { version: string }
  return { version, file: join(dirname(pkgJson), 'build', 'Release', 'better_sqlite3.node') }
}

/**
 * A prebuild-install "local prebuild" of the workspace's already compiled better-sqlite3, named
 * as prebuild-install looks for it, so the install reuses it instead of compiling SQLite (~75 s).
 */
async function localPrebuild(dir: string): Promise<string> {
  const { version, file } = workspaceAddon()
  const stage = join(dir, 'stage', 'build', 'Release')
  mkdirSync(stage, { recursive: true })
  writeFileSync(join(stage, 'better_sqlite3.node'), readFileSync(file))
  const libc =
    process.platform === 'linux' &&
    !(process.report.getReport() as { header: { glibcVersionRuntime?: string } }).header.glibcVersionRuntime
      ? 'musl'
      : ''
  const name = `better-sqlite3-v${version}-node-v${process.versions.modules}-${process.platform}${libc}-${process.arch}.tar.gz`
  await run('tar', ['czf', join(dir, name), '-C', join(dir, 'stage'), 'build'])
  return dir
}

/** sha256 of a file, to tell which better-sqlite3 addon an install ended up with. */
export const sha256 = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex')

/** The addon the workspace built, which the installed project must have reused. */
export const workspaceAddonFile = (): string => workspaceAddon().file

/**
 * Packs both packages and installs them into a new, empty project with `npm ci --offline`:
 * every dependency comes from the npm cache, none from the registry (see offline-lock.ts).
 */
export async function installPublished(): Promise<InstalledProject> {
  const root = mkdtempSync(join(tmpdir(), 'keyward-install-'))
  const tarballs = await pack(root)
  const dir = join(root, 'project')
  mkdirSync(dir)
  const lock = offlineLockfile(WORKSPACE, tarballs) as { packages: Record<string, { dependencies?: object }> }
  const pkg = {
    name: 'keyward-install-test',
    private: true,
    type: 'module',
    dependencies: lock.packages['']!.dependencies,
    allowScripts: { 'better-sqlite3': true },
  }
  writeFileSync(join(dir, 'package.json'), JSON.stringify(pkg, null, 2))
  writeFileSync(join(dir, 'package-lock.json'), JSON.stringify(lock, null, 2))
  const prebuilds = await localPrebuild(join(root, 'prebuilds'))
  const started = performance.now()
  await run('npm', ['ci', '--offline', '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd: dir,
    env: plainEnv({ npm_config_better_sqlite3_local_prebuilds: prebuilds }),
    maxBuffer: 64 << 20,
  })
  return { dir, tarballs, installSeconds: (performance.now() - started) / 1000 }
}
