// Builds the dashboard when dist/ is missing or older than its sources, so `npm start`
// and `npm test` on a fresh clone serve (and test) the current code without a manual step.
import { execSync } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const built = join(root, 'dist', 'index.html')

function newest(path) {
  const s = statSync(path)
  if (!s.isDirectory()) return s.mtimeMs
  return Math.max(0, ...readdirSync(path).map((f) => newest(join(path, f))))
}

const sources = ['src', 'index.html', 'vite.config.ts', 'package.json'].map((f) => join(root, f)).filter(existsSync)
const stale = !existsSync(built) || Math.max(...sources.map(newest)) > statSync(built).mtimeMs
if (stale) {
  console.log('dashboard: building packages/dashboard (dist/ missing or out of date)')
  execSync('npm run build', { cwd: root, stdio: 'inherit' })
}
