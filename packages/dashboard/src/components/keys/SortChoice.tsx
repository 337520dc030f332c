import type { KeySortField, SortOrder } from '../../api'
import { SORTS, type KeyListParams } from './useKeyListParams'

/** The sort as one choice of column and direction: on narrow screens, where the table's headers are hidden. */
export function SortChoice({ p }: { p: KeyListParams }) {
  return (
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
  )
}
