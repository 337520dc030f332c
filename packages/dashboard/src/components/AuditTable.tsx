import { Link } from 'react-router'
import type { AuditEvent } from '../api'
import { useDirectory } from '../directory'
import { describeDetails, when } from '../format'

/** Audit events, newest first: when, who, what, on which target, from where. */
export function AuditTable({ events, showTarget = true }: { events: AuditEvent[]; showTarget?: boolean }) {
  const { actorName } = useDirectory()
  return (
    <div className="table-wrap">
      <table className="audit">
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Who</th>
            <th scope="col">Action</th>
            {showTarget && <th scope="col">Target</th>}
            <th scope="col">IP</th>
            <th scope="col">Details</th>
          </tr>
        </thead>
        <tbody>
          {events.map((e) => (
            <tr key={e.id}>
              <td data-label="When">{when(e.at)}</td>
              <td data-label="Who">{who(e, actorName)}</td>
              <td data-label="Action">
                <code>{e.action}</code>
              </td>
              {showTarget && (
                <td data-label="Target">
                  <Target e={e} />
                </td>
              )}
              <td data-label="IP">{e.ip ?? '—'}</td>
              <td data-label="Details" className="details">
                {describeDetails(e.details)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}

/**
 * No actor: Keyward acted by itself (the first admin, a sweeper, a deletion's cascade: the server
 * says so, as `automatic`), which "anonymous" misread as someone unknown; else a caller without
 * credentials (a failed login, a leak report). The address is no guide: members read none.
 */
function who(e: AuditEvent, actorName: (id: number) => string): string {
  if (e.actor_id !== null) return actorName(e.actor_id)
  return e.automatic ? 'Keyward (automatic)' : 'anonymous'
}

/** A key target links to its page while the key exists; a deleted one is named, not linked. */
function Target({ e }: { e: AuditEvent }) {
  if (e.target_type === 'api_key' && e.target_id) {
    return e.target_exists ? (
      <Link to={`/keys/${e.target_id}`}>key #{e.target_id}</Link>
    ) : (
      <span>
        key #{e.target_id} <span className="muted">(deleted)</span>
      </span>
    )
  }
  return <>{`${e.target_type}${e.target_id ? ` #${e.target_id}` : ''}`}</>
}
