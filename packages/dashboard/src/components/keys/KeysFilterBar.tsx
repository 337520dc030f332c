import { keyPrefixOf } from '@keyward/client'
import type { KeyKind, KeySortField, KeyStatus, SortOrder } from '../../api'
import { useSession } from '../../session'
import { OwnerFilter } from './OwnerFilter'
import { TextFilter } from './TextFilter'
import { SORTS, type KeyListParams } from './useKeyListParams'

const STATUSES: KeyStatus[] = ['active', 'expired', 'disabled', 'revoked']
const KINDS: KeyKind[] = ['user', 'provisioning', 'device']
const trim = (typed: string) => typed.trim()

/** Name, key-start and scope searches, status, owner and kind filters, and (on narrow screens, where headers are hidden) the sort. */
export function KeysFilterBar({ p }: { p: KeyListParams }) {
  const { user } = useSession()
  return (
    <form className="filters" role="search" onSubmit={(e) => e.preventDefault()}>
      <TextFilter p={p} name="q" label="Search by name" placeholder="e.g. production" maxLength={100} clean={trim} />
      {/* A pasted whole key is cut to its visible start: the rest stays out of the URL and history. */}
      <TextFilter
        p={p}
        name="prefix"
        label="Key starts with"
        placeholder="e.g. kw_AbC123"
        maxLength={512}
        clean={(typed) => keyPrefixOf(typed.trim())}
      />
      <TextFilter p={p} name="scope" label="Has scope" placeholder="e.g. invoices:read" maxLength={100} clean={trim} />
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
