import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react'
import type { Application, Device, Owner, User } from './api'
import { useOrg } from './orgs'
import { useSession } from './session'

/**
 * The owners the signed-in person can see (users, applications, devices; organizations from the
 * switcher's list), loaded once
 * so tables can show names instead of ids. Members see only themselves among users.
 * Lists are capped by the API at 500 each; beyond that owners show as "kind #id".
 */
interface Directory {
  users: User[]
  applications: Application[]
  devices: Device[]
  ownerName(o: Owner): string
  /** Who an audit event's `actor_id` is, in words. */
  actorName(actorId: number): string
  reload(): void
}

const DirectoryContext = createContext<Directory | null>(null)

/** Loads the directory for the signed-in person and reloads it on demand (after adding an application, say). */
export function DirectoryProvider({ children }: { children: ReactNode }) {
  const { api, user } = useSession()
  const { organizations } = useOrg()
  const [data, setData] = useState<{ users: User[]; applications: Application[]; devices: Device[] }>({
    users: [],
    applications: [],
    devices: [],
  })
  const [tick, setTick] = useState(0)
  useEffect(() => {
    if (!user) return
    let live = true
    Promise.all([api.listUsers(), api.listApplications(), api.listDevices()]).then(
      ([u, a, d]) => live && setData({ users: u.users, applications: a.applications, devices: d.devices }),
      () => {
        /* names fall back to ids */
      },
    )
    return () => {
      live = false
    }
  }, [api, user, tick])
  const reload = useCallback(() => setTick((t) => t + 1), [])
  const value = useMemo<Directory>(() => {
    const users = new Map(data.users.map((u) => [u.id, u]))
    const apps = new Map(data.applications.map((a) => [a.id, a]))
    const devices = new Map(data.devices.map((d) => [d.id, d]))
    const orgs = new Map(organizations.map((o) => [o.id, o]))
    const ownerName = (o: Owner) => {
      if (o.kind === 'user')
        return o.id === user?.id
          ? `${users.get(o.id)?.email ?? user.email} (you)`
          : (users.get(o.id)?.email ?? `user #${o.id}`)
      if (o.kind === 'application') return apps.get(o.id)?.name ?? `application #${o.id}`
      if (o.kind === 'organization') return orgs.get(o.id)?.name ?? `organization #${o.id}`
      const d = devices.get(o.id)
      return d ? (d.name ?? d.uuid.slice(0, 7)) : `device #${o.id}`
    }
    const actors = new Map<number, string>([
      ...data.users.map((u) => [u.actor_id, ownerName({ kind: 'user', id: u.id })] as const),
      ...data.applications.map((a) => [a.actor_id, `application ${a.name}`] as const),
      ...data.devices.map((d) => [d.actor_id, `device ${ownerName({ kind: 'device', id: d.id })}`] as const),
    ])
    // A null actor is named by AuditTable's `who` (Keyward's own act, or anonymous).
    const actorName = (id: number) => actors.get(id) ?? `actor #${id}`
    return { ...data, ownerName, actorName, reload }
  }, [data, user, reload, organizations])
  return <DirectoryContext.Provider value={value}>{children}</DirectoryContext.Provider>
}

/** The owner directory; only inside DirectoryProvider. */
export function useDirectory(): Directory {
  const d = useContext(DirectoryContext)
  if (!d) throw new Error('useDirectory outside DirectoryProvider')
  return d
}
