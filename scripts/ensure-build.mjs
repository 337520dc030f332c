// Builds each workspace package whose dist/ is missing or older than its sources, in dependency
// order (client, dashboard, then keyward, which ships the dashboard's build), so `npm start` and
// `npm test` on a fresh clone run the current code without a manual step.
// `node scripts/ensure-build.mjs [name…]` checks only the named packages (default: all).
import { execSync } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const packagesDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'packages')

/** Per package: the file its build writes last, and what that build reads. */
const PACKAGES = {
  client: { output: 'dist/index.js', sources: ['src', 'tsconfig.build.json', 'package.json'] },
  // The dashboard bundles a little of the client (`keyPrefixOf`): a client build makes it stale.
  dashboard: {
    output: 'dist/index.html',
    sources: ['src', 'index.html', 'vite.config.ts', 'package.json', '../client/dist'],
  },
  keyward: {
    output: 'dist/cli/main.js',
    sources: ['src', 'tsconfig.build.json', 'tsconfig.json', 'package.json', 'scripts', '../dashboard/dist'],
  },
}

/** The newest modification time (ms) of a file or anything under a directory. */
export function newest(path) {
  const s = statSync(path)
  if (!s.isDirectory()) return s.mtimeMs
  return Math.max(0, ...readdirSync(path).map((f) => newest(join(path, f))))
}

/** Runs `npm run build` in packages/<name> when its output is missing or older than a source. */
export function ensureBuilt(name) {
  const root = join(packagesDir, name)
  const { output, sources } = PACKAGES[name]
  const built = join(root, output)
  const inputs = sources.map((f) => join(root, f)).filter(existsSync)
  if (existsSync(built) && Math.max(...inputs.map(newest)) <= statSync(built).mtimeMs) return
  console.log(`${name}: building packages/${name} (dist/ missing or out of date)`)
  execSync('npm run build', { cwd: root, stdio: 'inherit' })
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const names = process.argv.slice(2)
  for (const name of Object.keys(PACKAGES)) if (!names.length || names.includes(name)) ensureBuilt(name)
}
