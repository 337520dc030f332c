import type { ReactNode } from 'react'

/** A dialog's last row: Cancel, then its one action (`children`). */
export function DialogActions({ onCancel, children }: { onCancel: () => void; children: ReactNode }) {
  return (
    <div className="actions">
      <button type="button" onClick={onCancel}>
        Cancel
      </button>
      {children}
    </div>
  )
}
