import type { ReactNode } from 'react'
import type { ApiError } from '../../api'
import { ErrorNote, Modal } from '../ui'

/** Asks before an action that cannot be undone (deleting a webhook, replacing its secret). */
export function ConfirmDialog({
  title,
  confirmLabel,
  busy,
  error,
  onConfirm,
  onClose,
  children,
}: {
  title: string
  confirmLabel: string
  busy: boolean
  error: ApiError | null
  onConfirm: () => void
  onClose: () => void
  children: ReactNode
}) {
  return (
    <Modal open title={title} onClose={onClose}>
      {children}
      <ErrorNote error={error} />
      <div className="actions">
        <button type="button" onClick={onClose} autoFocus>
          Cancel
        </button>
        <button type="button" className="danger" disabled={busy} onClick={onConfirm}>
          {confirmLabel}
        </button>
      </div>
    </Modal>
  )
}
