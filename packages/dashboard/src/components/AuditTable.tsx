import { Link } from 'react-router'
import type { AuditEvent } from '../api'
import { useDirectory } from '../directory'
import { when } from '../format'

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
              <td data-label="Who">{actorName(e.actor_id)}</td>
              <td data-label="Action"><code>{e.action}</code></td>
              {showTarget && (
                <td data-label="Target">
                  {e.target_type === 'api_key' && e.target_id ? <Link to={`/keys/${e.target_id}`}>key #{e.target_id}</Link> : `${e.target_type}${e.target_id ? ` #${e.target_id}` : ''}`}
                </td>
              )}
              <td data-label="IP">{e.ip ?? '—'}</td>
              <td data-label="Details" className="details">{Object.keys(e.details).length ? Object.entries(e.details).map(([k, v]) => `${k}: ${JSON.stringify(v)}`).join(', ') : '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}
