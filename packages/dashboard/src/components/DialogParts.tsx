import type { ReactNode } from 'react'
import { Field } from './ui'

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

/** The field where a deletion is confirmed by typing `text` (a name, a slug): a click alone deletes nothing. */
export function TypedConfirmField(props: { text: string; value: string; onChange: (v: string) => void }) {
  return (
    <Field label={`Type "${props.text}" to confirm`}>
      {(p) => (
        <input
          {...p}
          name="confirm"
          value={props.value}
          onChange={(e) => props.onChange(e.target.value)}
          autoComplete="off"
        />
      )}
    </Field>
  )
}
