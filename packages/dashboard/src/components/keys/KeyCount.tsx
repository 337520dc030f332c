import { PAGE_SIZE } from './useKeyPage'

/** "12 keys match · page 1 of 3": the total the API counted, and where the pager is. */
export function KeyCount({ total, filtered, page }: { total: number; filtered: boolean; page: number }) {
  return (
    <p className="count" aria-live="polite">
      {total === 1 ? '1 key' : `${total} keys`}
      {filtered ? (total === 1 ? ' matches' : ' match') : ''}
      {total > PAGE_SIZE && ` · page ${page} of ${Math.ceil(total / PAGE_SIZE)}`}
    </p>
  )
}
