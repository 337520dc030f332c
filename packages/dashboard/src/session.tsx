import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react'
import { Api, type Session, type User } from './api'

/**
 * The signed-in session. The token lives in sessionStorage (see README, "Dashboard"):
 * it survives a reload of this tab, is gone when the tab closes, is never sent
 * automatically by the browser (so no CSRF), and is not shared with other tabs.
 */
const STORAGE_KEY = 'keyward.session'

interface SessionState {
  user: User | null
  /** True when the server ended the session (expiry, logout elsewhere): the sign-in page says so. */
  ended: boolean
  api: Api
  signIn(email: string, password: string): Promise<void>
  signOut(): Promise<void>
}

const SessionContext = createContext<SessionState | null>(null)

function load(): Session | null {
  try {
    const raw = sessionStorage.getItem(STORAGE_KEY)
    if (!raw) return null
    const s = JSON.parse(raw) as Session
    return Date.parse(s.expires_at) > Date.now() ? s : null
  } catch {
    return null
  }
}

/** Provides the session and an API client bound to it. */
export function SessionProvider({ children }: { children: ReactNode }) {
  const [session, setSession] = useState<Session | null>(load)
  const [ended, setEnded] = useState(false)
  const forget = useCallback(() => {
    sessionStorage.removeItem(STORAGE_KEY)
    setSession(null)
  }, [])
  // A 401 on a signed-in request: the server ended the session. The page stays (and its draft, see useDraft).
  const expired = useCallback(() => {
    setEnded(true)
    forget()
  }, [forget])
  const api = useMemo(() => new Api(session?.access_token ?? null, expired), [session, expired])

  const signIn = useCallback(async (email: string, password: string) => {
    const s = await new Api(null).login(email, password)
    sessionStorage.setItem(STORAGE_KEY, JSON.stringify(s))
    setEnded(false)
    setSession(s)
  }, [])
  const signOut = useCallback(async () => {
    try {
      await api.logout()
    } finally {
      forget()
    }
  }, [api, forget])

  const value = useMemo(
    () => ({ user: session?.user ?? null, ended, api, signIn, signOut }),
    [session, ended, api, signIn, signOut],
  )
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>
}

/** The current session; only inside SessionProvider. */
export function useSession(): SessionState {
  const s = useContext(SessionContext)
  if (!s) throw new Error('useSession outside SessionProvider')
  return s
}
