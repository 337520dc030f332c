import { useEffect, useState } from 'react'
import { Link, useSearchParams } from 'react-router'
import type { KeyKind, KeySortField, KeyStatus, ListKeysQuery, SortOrder } from '../api'
import { KeysTable } from '../components/KeysTable'
import { Empty, ErrorNote, Loading, useLoad } from '../components/ui'
import { useDirectory } from '../directory'
import { ownerValue, parseOwner } from '../format'
import { useSession } from '../session'

const PAGE_SIZE = 25
const STATUSES: KeyStatus[] = ['active', 'expired', 'disabled', 'revoked']
const KINDS: KeyKind[] = ['user', 'provisioning', 'device']
/** Sortable columns, each with the order a first click asks for (names A→Z, dates newest first, expiry soonest first). */
const SORTS: Record<KeySortField, { label: string; first: SortOrder }> = {
  created_at: { label: 'Created', first: 'desc' },
  name: { label: 'Name', first: 'asc' },
  last_used_at: { label: 'Last used', first: 'desc' },
  expires_at: { label: 'Expires', first: 'asc' },
}
const isSortField = (v: string | null): v is KeySortField => v !== null && Object.hasOwn(SORTS, v)

/**
 * All keys the signed-in person can see. Filters live in the URL (shareable, Back works);
 * paging follows the API's cursor, remembering earlier cursors for "Previous".
 */
export function KeysPage() {
  const { api, user } = useSession()
  const dir = useDirectory()
  const [params, setParams] = useSearchParams()
  const q = params.get('q') ?? ''
  const status = params.get('status') ?? ''
  const kind = params.get('kind') ?? ''
  const owner = params.get('owner') ?? ''
  // Sort lives in the URL like the filters; none means the API's default, newest first.
  const sortParam = params.get('sort')
  const sort: KeySortField = isSortField(sortParam) ? sortParam : 'created_at'
  const order: SortOrder = params.get('order') === 'asc' ? 'asc' : params.get('order') === 'desc' ? 'desc' : SORTS[sort].first
  const [search, setSearch] = useState(q)
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined])
  const cursor = cursors[cursors.length - 1]

  const setFilter = (name: string, value: string) => {
    const next = new URLSearchParams(params)
    if (value) next.set(name, value)
    else next.delete(name)
    setParams(next, { replace: true })
    setCursors([undefined])
  }
  const setSort = (field: KeySortField, nextOrder: SortOrder) => {
    const next = new URLSearchParams(params)
    const isDefault = field === 'created_at' && nextOrder === 'desc'
    if (isDefault) { next.delete('sort'); next.delete('order') } else { next.set('sort', field); next.set('order', nextOrder) }
    setParams(next, { replace: true })
    setCursors([undefined]) // a cursor belongs to one order
  }
  const onSort = (field: KeySortField) => setSort(field, field === sort ? (order === 'asc' ? 'desc' : 'asc') : SORTS[field].first)
  // Search as you type, once typing pauses. Rescheduled when other filters change, so the
  // delayed update starts from the current URL and cannot undo a filter chosen meanwhile.
  useEffect(() => {
    if (search.trim() === q) return
    const t = setTimeout(() => setFilter('q', search.trim()), 300)
    return () => clearTimeout(t)
  }, [search, params]) // eslint-disable-line react-hooks/exhaustive-deps -- q and setFilter derive from params

  const o = parseOwner(owner)
  const query: ListKeysQuery = {
    q: q || undefined, status: (status || undefined) as KeyStatus | undefined, kind: (kind || undefined) as KeyKind | undefined,
    owner_kind: o?.kind, owner_id: o?.id, limit: PAGE_SIZE, cursor, sort, order,
  }
  const page = useLoad(() => api.listKeys(query), [api, q, status, kind, owner, sort, order, cursor])
  const filtered = Boolean(q || status || kind || owner)

  return (
    <section aria-labelledby="keys-title">
      <header className="page-head">
        <h1 id="keys-title">API keys</h1>
        <Link className="button primary" to="/keys/new">Create key</Link>
      </header>
      <form className="filters" role="search" onSubmit={(e) => { e.preventDefault(); setFilter('q', search.trim()) }}>
        <label>
          <span>Search by name</span>
          <input type="search" name="q" value={search} onChange={(e) => setSearch(e.target.value)} placeholder="e.g. production" />
        </label>
        <label>
          <span>Status</span>
          <select name="status" value={status} onChange={(e) => setFilter('status', e.target.value)}>
            <option value="">Any status</option>
            {STATUSES.map((s) => <option key={s} value={s}>{s}</option>)}
          </select>
        </label>
        <label>
          <span>Owner</span>
          <select name="owner" value={owner} onChange={(e) => setFilter('owner', e.target.value)}>
            <option value="">Any owner</option>
            {user && <option value={ownerValue({ kind: 'user', id: user.id })}>Me ({user.email})</option>}
            {dir.users.filter((u) => u.id !== user?.id).length > 0 && (
              <optgroup label="Users">
                {dir.users.filter((u) => u.id !== user?.id).map((u) => <option key={u.id} value={ownerValue({ kind: 'user', id: u.id })}>{u.email}</option>)}
              </optgroup>
            )}
            {dir.applications.length > 0 && (
              <optgroup label="Applications">
                {dir.applications.map((a) => <option key={a.id} value={ownerValue({ kind: 'application', id: a.id })}>{a.name}</option>)}
              </optgroup>
            )}
            {dir.devices.length > 0 && (
              <optgroup label="Devices">
                {dir.devices.map((d) => <option key={d.id} value={ownerValue({ kind: 'device', id: d.id })}>{dir.ownerName({ kind: 'device', id: d.id })}</option>)}
              </optgroup>
            )}
          </select>
        </label>
        <label>
          <span>Kind</span>
          <select name="kind" value={kind} onChange={(e) => setFilter('kind', e.target.value)}>
            <option value="">Any kind</option>
            {KINDS.map((k) => <option key={k} value={k}>{k}</option>)}
          </select>
        </label>
        {/* Column headers are hidden on narrow screens (rows become cards): sort from here there. */}
        <label className="narrow-only">
          <span>Sort by</span>
          <select name="sort" value={`${sort}:${order}`} onChange={(e) => { const [f, d] = e.target.value.split(':'); setSort(f as KeySortField, d as SortOrder) }}>
            {(Object.keys(SORTS) as KeySortField[]).flatMap((f) => (['asc', 'desc'] as SortOrder[]).map((d) => (
              <option key={`${f}:${d}`} value={`${f}:${d}`}>{SORTS[f].label} {d === 'asc' ? '↑ ascending' : '↓ descending'}</option>
            )))}
          </select>
        </label>
      </form>

      <ErrorNote error={page.error} />
      {page.loading && !page.data && <Loading what="Loading keys" />}
      {page.data && (
        <>
          <p className="count" aria-live="polite">
            {page.data.total === 1 ? '1 key' : `${page.data.total} keys`}{filtered ? ' match' : ''}
            {page.data.total > PAGE_SIZE && ` · page ${cursors.length} of ${Math.ceil(page.data.total / PAGE_SIZE)}`}
          </p>
          {page.data.api_keys.length === 0 ? (
            <Empty>
              {filtered ? <p>No key matches these filters.</p> : <p>No keys yet. <Link to="/keys/new">Create the first one</Link>.</p>}
            </Empty>
          ) : (
            <KeysTable keys={page.data.api_keys} sort={{ field: sort, order, onSort }} />
          )}
          <nav className="pager" aria-label="Pages">
            <button type="button" disabled={cursors.length === 1} onClick={() => setCursors((c) => c.slice(0, -1))}>← Previous</button>
            <button type="button" disabled={!page.data.next_cursor} onClick={() => setCursors((c) => [...c, page.data!.next_cursor!])}>Next →</button>
          </nav>
        </>
      )}
    </section>
  )
}
