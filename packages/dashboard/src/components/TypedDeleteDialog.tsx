import { useState, type ReactNode } from 'react'
import type { ApiError } from '../api'
import { DialogActions } from './DialogParts'
import { ErrorNote, Field, Modal } from './ui'

/**
 * A deletion confirmed by typing `confirm` (a handle, a slug, a short uuid, a name): a click alone deletes nothing.
 * Each opening asks again: text typed before a cancel left the button armed for one click.
 */
export function TypedDeleteDialog(props: {
  /** What is deleted, in one word ("key"): the title asks "Delete this key?", the button says "Delete key". */
  what: string
  /** What the person types. */
  confirm: string
  /** What the deletion takes with it, in words. */
  children: ReactNode
  action: { busy: boolean; error: ApiError | null }
  open: boolean
  onClose: () => void
  onDelete: () => void
}) {
  const [typed, setTyped] = useState('')
  // Cleared as it opens, in the same render (an effect showed the old text for a frame, enough for a fast click).
  const [wasOpen, setWasOpen] = useState(props.open)
  if (props.open !== wasOpen) {
    setWasOpen(props.open)
    if (props.open) setTyped('')
  }
  return (
    <Modal open={props.open} title={`Delete this ${props.what}?`} onClose={props.onClose}>
      <p>{props.children}</p>
      <TypedConfirmField text={props.confirm} value={typed} onChange={setTyped} />
      <ErrorNote error={props.action.error} />
      <DialogActions onCancel={props.onClose}>
        <button
          type="button"
          className="danger"
          disabled={props.action.busy || typed !== props.confirm}
          onClick={props.onDelete}
        >
          Delete {props.what}
        </button>
      </DialogActions>
    </Modal>
  )
}

/** The field where a deletion is confirmed by typing `text` (a name, a slug): a click alone deletes nothing. */
function TypedConfirmField(props: { text: string; value: string; onChange: (v: string) => void }) {
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
