import { Link } from 'react-router'
import type { ApiKey } from '../api'
import { useDirectory } from '../directory'
import { displayStatus, relative, when } from '../format'
import { StatusBadge } from './ui'

/** The keys of one page as a table; on narrow screens each row becomes a card (CSS, with data-label captions). */
export function KeysTable({ keys, showOwner = true }: { keys: ApiKey[]; showOwner?: boolean }) {
  const { ownerName } = useDirectory()
  return (
    <div className="table-wrap">
      <table className="keys">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Prefix</th>
            {showOwner && <th scope="col">Owner</th>}
            <th scope="col">Kind</th>
            <th scope="col">Scopes</th>
            <th scope="col">Status</th>
            <th scope="col">Created</th>
            <th scope="col">Last used</th>
            <th scope="col">Expires</th>
          </tr>
        </thead>
        <tbody>
          {keys.map((k) => (
            <tr key={k.id} data-key-id={k.id}>
              <td data-label="Name"><Link to={`/keys/${k.id}`}>{k.name ?? <em>unnamed</em>}</Link></td>
              <td data-label="Prefix"><code>{k.key_prefix}…</code></td>
              {showOwner && <td data-label="Owner">{ownerName(k.owner)}</td>}
              <td data-label="Kind">{k.kind}</td>
              <td data-label="Scopes">{k.scopes.length ? k.scopes.map((s) => <code key={s} className="scope">{s}</code>) : <span className="muted">all of owner's</span>}</td>
              <td data-label="Status"><StatusBadge status={displayStatus(k)} /></td>
              <td data-label="Created">{when(k.created_at)}</td>
              <td data-label="Last used">{k.last_used_at ? <span title={when(k.last_used_at)}>{relative(k.last_used_at)}</span> : <span className="muted">never</span>}</td>
              <td data-label="Expires">{k.expires_at ? <span title={when(k.expires_at)}>{relative(k.expires_at)}</span> : <span className="muted">never</span>}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}
