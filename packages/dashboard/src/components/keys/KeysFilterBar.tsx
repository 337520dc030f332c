import { useEffect, useState } from 'react'
import type { KeyKind, KeySortField, KeyStatus, SortOrder } from '../../api'
import { useSession } from '../../session'
import { OwnerFilter } from './OwnerFilter'
import { SORTS, type KeyListParams } from './useKeyListParams'

const STATUSES: KeyStatus[] = ['active', 'expired', 'disabled', 'revoked']
const KINDS: KeyKind[] = ['user', 'provisioning', 'device']

/** Search, status, owner and kind filters, and (on narrow screens, where headers are hidden) the sort. */
export function KeysFilterBar({ p }: { p: KeyListParams }) {
  const { user } = useSession()
  const [search, setSearch] = useState(p.q)
  // Search as you type, once typing pauses. Rescheduled when other filters change, so the
  // delayed update starts from the current URL and cannot undo a filter chosen meanwhile.
  useEffect(() => {
    if (search.trim() === p.q) return
    const t = setTimeout(() => p.setFilter('q', search.trim()), 300)
    return () => clearTimeout(t)
  }, [search, p.q, p.status, p.kind, p.owner, p.sort, p.order]) // eslint-disable-line react-hooks/exhaustive-deps -- setFilter derives from these
  return (
    <form
      className="filters"
      role="search"
      onSubmit={(e) => {
        e.preventDefault()
        p.setFilter('q', search.trim())
      }}
    >
      <label>
        <span>Search by name</span>
        <input
          type="search"
          name="q"
          maxLength={100}
          value={search}
          onChange={(e) => setSearch(e.target.value)}
          placeholder="e.g. production"
        />
      </label>
      <label>
        <span>Status</span>
        <select name="status" value={p.status} onChange={(e) => p.setFilter('status', e.target.value)}>
          <option value="">Any status</option>
          {STATUSES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
      </label>
      <OwnerFilter value={p.owner} onChange={(v) => p.setFilter('owner', v)} me={user} />
      <label>
        <span>Kind</span>
        <select name="kind" value={p.kind} onChange={(e) => p.setFilter('kind', e.target.value)}>
          <option value="">Any kind</option>
          {KINDS.map((k) => (
            <option key={k} value={k}>
              {k}
            </option>
          ))}
        </select>
      </label>
      <label className="narrow-only">
        <span>Sort by</span>
        <select
          name="sort"
          value={`${p.sort}:${p.order}`}
          onChange={(e) => {
            const [f, d] = e.target.value.split(':')
            p.setSort(f as KeySortField, d as SortOrder)
          }}
        >
          {(Object.keys(SORTS) as KeySortField[]).flatMap((f) =>
            (['asc', 'desc'] as SortOrder[]).map((d) => (
              <option key={`${f}:${d}`} value={`${f}:${d}`}>
                {SORTS[f].label} {d === 'asc' ? '↑ ascending' : '↓ descending'}
              </option>
            )),
          )}
        </select>
      </label>
    </form>
  )
}
