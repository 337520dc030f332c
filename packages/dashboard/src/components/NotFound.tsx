import { Link } from 'react-router'
import { ApiError } from '../api'
import { Empty, ErrorNote } from './ui'

/** An id in the URL that names nothing the person may see (or cannot be an id at all). */
export function NotFound({ what, back, backLabel }: { what: string; back: string; backLabel: string }) {
  return (
    <Empty>
      <p role="alert">This {what} does not exist, or it is not yours to see.</p>
      <Link to={back}>Back to {backLabel}</Link>
    </Empty>
  )
}

/** What a detail page shows when its load failed: the not-found page for a 404, else the error. */
export function LoadFailed({
  error,
  what,
  back,
  backLabel,
}: {
  error: unknown
  what: string
  back: string
  backLabel: string
}) {
  if (error instanceof ApiError && error.code === 'not_found')
    return <NotFound what={what} back={back} backLabel={backLabel} />
  return (
    <Empty>
      <ErrorNote error={error} />
      <Link to={back}>Back to {backLabel}</Link>
    </Empty>
  )
}
