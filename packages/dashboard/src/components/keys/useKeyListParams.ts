import { useSearchParams } from 'react-router'
import type { KeySortField, SortOrder } from '../../api'

/** Sortable columns, each with the order a first click asks for (names A→Z, dates newest first, expiry soonest first). */
export const SORTS: Record<KeySortField, { label: string; first: SortOrder }> = {
  created_at: { label: 'Created', first: 'desc' },
  name: { label: 'Name', first: 'asc' },
  last_used_at: { label: 'Last used', first: 'desc' },
  expires_at: { label: 'Expires', first: 'asc' },
}
const isSortField = (v: string | null): v is KeySortField => v !== null && Object.hasOwn(SORTS, v)

/** Filters typed as text. */
export type TextFilterName = 'q' | 'prefix' | 'scope'

/** The key list's filters and sort, kept in the URL (shareable; Back works). */
export interface KeyListParams {
  q: string
  /** The visible start of a key (`key_prefix`). */
  prefix: string
  /** One scope the keys must include. */
  scope: string
  status: string
  kind: string
  owner: string
  sort: KeySortField
  order: SortOrder
  setFilter(name: TextFilterName | 'status' | 'kind' | 'owner', value: string): void
  setSort(field: KeySortField, order: SortOrder): void
}

/** Reads and writes the key list's URL parameters; `onChange` runs on every change (a cursor belongs to one query). */
export function useKeyListParams(onChange: () => void): KeyListParams {
  const [params, setParams] = useSearchParams()
  const sortParam = params.get('sort')
  const sort: KeySortField = isSortField(sortParam) ? sortParam : 'created_at'
  const orderParam = params.get('order')
  const order: SortOrder = orderParam === 'asc' || orderParam === 'desc' ? orderParam : SORTS[sort].first
  const update = (edit: (next: URLSearchParams) => void) => {
    const next = new URLSearchParams(params)
    edit(next)
    setParams(next, { replace: true })
    onChange()
  }
  return {
    q: params.get('q') ?? '',
    prefix: params.get('prefix') ?? '',
    scope: params.get('scope') ?? '',
    status: params.get('status') ?? '',
    kind: params.get('kind') ?? '',
    owner: params.get('owner') ?? '',
    sort,
    order,
    setFilter: (name, value) => update((next) => (value ? next.set(name, value) : next.delete(name))),
    setSort: (field, nextOrder) =>
      update((next) => {
        // None in the URL means the API's default, newest first.
        if (field === 'created_at' && nextOrder === 'desc') {
          next.delete('sort')
          next.delete('order')
        } else {
          next.set('sort', field)
          next.set('order', nextOrder)
        }
      }),
  }
}
