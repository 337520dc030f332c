import { readFileSync } from 'node:fs'
import { join } from 'node:path'

interface LockEntry {
  version?: string
  resolved?: string
  integrity?: string
  link?: boolean
  dev?: boolean
  optional?: boolean
  dependencies?: Record<string, string>
  optionalDependencies?: Record<string, string>
  peerDependencies?: Record<string, string>
  [field: string]: unknown
}

/** A tarball installed into the empty project, with the lockfile entry npm records for it. */
export interface PackedTarball {
  name: string
  file: string
  integrity: string
}

/**
 * Where Node would find `name` from the package installed at `from` (a lockfile path), walking up
 * node_modules folders; workspace links are followed to the folder they point at.
 */
function locate(packages: Record<string, LockEntry>, from: string, name: string): string | undefined {
  for (let dir = from; ; dir = dir.slice(0, Math.max(0, dir.lastIndexOf('/node_modules/')))) {
    const path = dir ? `${dir}/node_modules/${name}` : `node_modules/${name}`
    if (packages[path]) return path
    if (!dir) return undefined
  }
}

/**
 * The lockfile of an empty project that installs `tarballs` (here: keyward and @keyward/client),
 * whose other packages are pinned to the versions and integrities the workspace's own lockfile
 * records. `npm ci --offline` then takes every dependency from the npm cache (where `npm ci` of the
 * workspace put them) by integrity, without the registry's metadata, which `npm ci` never caches.
 */
export function offlineLockfile(workspaceRoot: string, tarballs: PackedTarball[]): object {
  const lock = JSON.parse(readFileSync(join(workspaceRoot, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, LockEntry>
  }
  const ws = lock.packages
  const out: Record<string, LockEntry> = {
    '': { dependencies: Object.fromEntries(tarballs.map((t) => [t.name, `file:${t.file}`])) },
  }
  const visit = (source: string, target: string) => {
    if (out[target]) return
    const entry = ws[source]!
    const real = entry.link ? ws[entry.resolved!]! : entry
    const packed = tarballs.find((t) => `node_modules/${t.name}` === target)
    const { dev: _dev, devDependencies: _devDeps, ...kept } = real
    out[target] = packed
      ? { ...kept, name: undefined, resolved: `file:${packed.file}`, integrity: packed.integrity }
      : kept
    const from = entry.link ? entry.resolved! : source
    for (const name of Object.keys({ ...real.dependencies, ...real.optionalDependencies })) {
      const at = locate(ws, from, name)
      if (at) visit(at, at.startsWith(`${from}/`) ? `${target}${at.slice(from.length)}` : at)
    }
  }
  for (const t of tarballs) visit(`node_modules/${t.name}`, `node_modules/${t.name}`)
  return { name: 'keyward-install-test', lockfileVersion: 3, requires: true, packages: out }
}
