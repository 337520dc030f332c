import { useState } from 'react'
import type { AccountSession } from '../../api'
import { when } from '../../format'
import { useSession } from '../../session'
import { ErrorNote, Loading } from '../ui'

/** Your sessions (never their tokens), newest first, each but this one with "End session". */
export function SessionsList({ sessions, onEnded }: { sessions: AccountSession[] | undefined; onEnded: () => void }) {
  const { api } = useSession()
  const [error, setError] = useState<unknown>(null)
  const end = async (id: number) => {
    setError(null)
    try {
      await api.endSession(id)
      onEnded()
    } catch (e) {
      setError(e)
    }
  }
  if (!sessions) return <Loading what="Loading your sessions" />
  return (
    <div className="table-wrap">
      <ErrorNote error={error} />
      <table aria-label="Your sessions">
        <thead>
          <tr>
            <th scope="col">Signed in</th>
            <th scope="col">Last used</th>
            <th scope="col">From</th>
            <th scope="col">Browser or client</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {sessions.map((s) => (
            <tr key={s.id}>
              <td data-label="Signed in">{when(s.created_at)}</td>
              <td data-label="Last used">{s.last_used_at ? when(s.last_used_at) : '-'}</td>
              <td data-label="From">{s.ip ?? '-'}</td>
              <td data-label="Browser or client">{s.user_agent ?? (s.via_key ? 'API key sign-in' : '-')}</td>
              <td>
                {s.current ? (
                  <strong>This session</strong>
                ) : (
                  <button type="button" onClick={() => void end(s.id)}>
                    End session
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}
