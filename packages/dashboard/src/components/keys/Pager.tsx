/**
 * Previous and Next over a listing's cursors: `atFirst` disables Previous, a null `next` disables Next.
 * Nothing on a listing that fits one page (two disabled buttons under "No keys match" read as broken).
 */
export function Pager({
  atFirst,
  next,
  onPrevious,
  onNext,
}: {
  atFirst: boolean
  next: string | null
  onPrevious: () => void
  onNext: (cursor: string) => void
}) {
  if (atFirst && !next) return null
  return (
    <nav className="pager" aria-label="Pages">
      <button type="button" disabled={atFirst} onClick={onPrevious}>
        ← Previous
      </button>
      <button type="button" disabled={!next} onClick={() => next && onNext(next)}>
        Next →
      </button>
    </nav>
  )
}
