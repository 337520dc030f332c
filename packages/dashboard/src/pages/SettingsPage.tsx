import { ChangePasswordForm } from '../components/settings/ChangePasswordForm'
import { SessionsList } from '../components/settings/SessionsList'
import { ErrorNote, useLoad } from '../components/ui'
import { useSession } from '../session'

/** Settings: your password and your sessions. */
export function SettingsPage() {
  const { api, user } = useSession()
  const sessions = useLoad(() => api.listSessions(), [api])
  return (
    <section aria-labelledby="settings-title">
      <header className="page-head">
        <h1 id="settings-title">Settings</h1>
      </header>
      <p className="muted">
        Signed in as {user?.email} ({user?.role}).
      </p>
      <h2>Password</h2>
      <ChangePasswordForm onChanged={sessions.reload} />
      <h2>Your sessions</h2>
      <ErrorNote error={sessions.error} />
      <SessionsList sessions={sessions.data?.sessions} onEnded={sessions.reload} />
    </section>
  )
}
