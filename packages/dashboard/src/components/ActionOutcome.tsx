import type { ApiError } from '../api'
import { ErrorNote } from './ui'

/**
 * What a toolbar's last action came to, its notice or its error, shown only while none of its dialogs is open
 * (an open dialog shows the error itself, beside what it asks).
 */
export function ActionOutcome({
  action,
  dialogOpen,
}: {
  action: { notice: string; error: ApiError | null }
  dialogOpen: boolean
}) {
  if (dialogOpen) return null
  return (
    <>
      {action.notice && (
        <p className="notice" role="status">
          {action.notice}
        </p>
      )}
      <ErrorNote error={action.error} />
    </>
  )
}
