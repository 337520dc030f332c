import { createContext, useContext, useMemo, useState, type ReactNode } from 'react'
import type { OrgAbilities, Organization } from './api'
import { useLoad } from './components/ui'
import { useSession } from './session'

const STORAGE_KEY = 'keyward.org'

interface OrgState {
  /** The organizations the signed-in person belongs to. */
  organizations: Organization[]
  /** The organization the switcher has chosen; null: every key you can see. */
  current: Organization | null
  /** Whether the list has come: before it, `current` is null even with an organization chosen. */
  loaded: boolean
  choose(id: number | null): void
  reload(): void
}

const OrgContext = createContext<OrgState | null>(null)

/** Loads the person's organizations and remembers the one chosen in the switcher (per tab). */
export function OrgProvider({ children }: { children: ReactNode }) {
  const { api } = useSession()
  const list = useLoad(() => api.listOrganizations(), [api])
  const [chosen, setChosen] = useState<number | null>(() => Number(sessionStorage.getItem(STORAGE_KEY)) || null)
  const value = useMemo<OrgState>(() => {
    const organizations = list.data?.organizations ?? []
    return {
      organizations,
      current: organizations.find((o) => o.id === chosen) ?? null,
      loaded: list.data !== undefined,
      choose(id) {
        if (id === null) sessionStorage.removeItem(STORAGE_KEY)
        else sessionStorage.setItem(STORAGE_KEY, String(id))
        setChosen(id)
      },
      reload: list.reload,
    }
  }, [list.data, list.reload, chosen])
  return <OrgContext.Provider value={value}>{children}</OrgContext.Provider>
}

/** The organization switcher's state; only inside OrgProvider. */
export function useOrg(): OrgState {
  const s = useContext(OrgContext)
  if (!s) throw new Error('useOrg outside OrgProvider')
  return s
}

/**
 * What you may do in organization `orgId`, as the server computed it (`can` on the organization: its own rules, so
 * none is repeated here); null while unknown or for an organization not in your list: then its actions stay hidden.
 */
export function useOrgCan(orgId: number | undefined): OrgAbilities | null {
  const { organizations } = useOrg()
  return organizations.find((o) => o.id === orgId)?.can ?? null
}

/** `useOrgCan` for the organization of application `applicationId` (read from the application). */
export function useApplicationOrgCan(applicationId: number | undefined): OrgAbilities | null {
  const { api } = useSession()
  const app = useLoad(
    () => (applicationId === undefined ? Promise.resolve(undefined) : api.getApplication(applicationId)),
    [api, applicationId],
  )
  return useOrgCan(app.data?.organization_id)
}
