// Copies what tsc does not emit into dist/: the dashboard's build into dist/dashboard, so the
// published keyward package serves it (http/dashboard.ts looks there first), and the SQLite
// read-pool's reader (plain JavaScript, forked as its own process by store/read-pool.ts) and the
// case functions it shares with the main connection (store/sql-case.js).
// Fails when the dashboard is not built: a package without its dashboard must not be produced silently.
import { cpSync, existsSync, rmSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const pkg = join(dirname(fileURLToPath(import.meta.url)), '..')
const from = join(pkg, '..', 'dashboard', 'dist')
const to = join(pkg, 'dist', 'dashboard')
if (!existsSync(join(from, 'index.html'))) {
  console.error(`copy-dashboard: ${from} is not built (run \`npm run build\` at the repository root)`)
  process.exit(1)
}
rmSync(to, { recursive: true, force: true })
cpSync(from, to, { recursive: true })
for (const worker of ['read-worker.js', 'usage-writer-worker.js', 'sql-case.js'])
  cpSync(join(pkg, 'src', 'store', worker), join(pkg, 'dist', 'store', worker))
