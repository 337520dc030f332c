import { Link } from 'react-router'
import type { ApiKey, KeySortField, SortOrder } from '../api'
import { useDirectory } from '../directory'
import { displayStatus, revokedForLeak, relative, when } from '../format'
import { StatusBadge } from './ui'
import { ScopeList } from './key/ScopeList'

/** The order a table shows, and how to ask for another. */
export interface TableSort {
  field: KeySortField
  order: SortOrder
  onSort(field: KeySortField): void
}

/**
 * A column header; with `sort`, a button that sorts by the column (toggling the order when it
 * already does), with `aria-sort` on the header cell so screen readers announce the order.
 */
function Head({ label, field, sort }: { label: string; field?: KeySortField; sort?: TableSort }) {
  if (!field || !sort) return <th scope="col">{label}</th>
  const active = sort.field === field
  return (
    <th scope="col" aria-sort={active ? (sort.order === 'asc' ? 'ascending' : 'descending') : 'none'}>
      <button type="button" className="sort" onClick={() => sort.onSort(field)}>
        {label}
        <span className="sort-arrow" aria-hidden="true">
          {active ? (sort.order === 'asc' ? '▲' : '▼') : '↕'}
        </span>
      </button>
    </th>
  )
}

/** The keys of one page as a table; on narrow screens each row becomes a card (CSS, with data-label captions). */
export function KeysTable({ keys, showOwner = true, sort }: { keys: ApiKey[]; showOwner?: boolean; sort?: TableSort }) {
  const { ownerName } = useDirectory()
  return (
    <div className="table-wrap">
      <table className="keys">
        <thead>
          <tr>
            <Head label="Name" field="name" sort={sort} />
            <th scope="col">Prefix</th>
            {showOwner && <th scope="col">Owner</th>}
            <th scope="col">Kind</th>
            <th scope="col">Scopes</th>
            <th scope="col">Status</th>
            <Head label="Created" field="created_at" sort={sort} />
            <Head label="Last used" field="last_used_at" sort={sort} />
            <Head label="Expires" field="expires_at" sort={sort} />
          </tr>
        </thead>
        <tbody>
          {keys.map((k) => (
            <tr key={k.id} data-key-id={k.id}>
              <td data-label="Name">
                <Link to={`/keys/${k.id}`}>{k.name ?? <em>unnamed</em>}</Link>
              </td>
              <td data-label="Prefix">
                <code>{k.key_prefix}…</code>
              </td>
              {showOwner && <td data-label="Owner">{ownerName(k.owner)}</td>}
              <td data-label="Kind">{k.kind}</td>
              <td data-label="Scopes">
                <ScopeList scopes={k.scopes} />
              </td>
              <td data-label="Status">
                <StatusBadge status={displayStatus(k)} />
                {revokedForLeak(k) && (
                  <span className="badge badge-leaked" title={k.revoked_reason ?? undefined}>
                    leaked
                  </span>
                )}
              </td>
              <td data-label="Created">{when(k.created_at)}</td>
              <td data-label="Last used">
                {k.last_used_at ? (
                  <span title={when(k.last_used_at)}>{relative(k.last_used_at)}</span>
                ) : (
                  <span className="muted">never</span>
                )}
              </td>
              <td data-label="Expires">
                {k.expires_at ? (
                  <span title={when(k.expires_at)}>{relative(k.expires_at)}</span>
                ) : (
                  <span className="muted">never</span>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}
