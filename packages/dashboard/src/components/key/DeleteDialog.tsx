import { useState } from 'react'
import { useNavigate } from 'react-router'
import { DialogActions, TypedConfirmField } from '../DialogParts'
import { ErrorNote, Modal } from '../ui'
import type { KeyDialogProps } from './useKeyAction'

/** Confirms a deletion by typing the key's name; then returns to the key list, which says what happened. */
export function DeleteDialog({ k, api, action, open, onClose }: KeyDialogProps) {
  const [typed, setTyped] = useState('')
  const navigate = useNavigate()
  const confirmText = k.name ?? k.key_prefix
  const remove = async () => {
    if (await action.act('Key deleted.', () => api.deleteKey(k.id))) {
      void navigate('/keys', { replace: true, state: { notice: `Key "${confirmText}" deleted.` } })
    }
  }
  return (
    <Modal open={open} title="Delete this key?" onClose={onClose}>
      <p>
        <strong>Deleting removes the key for good</strong>; it will be refused and disappear from lists. To keep a
        record, revoke instead.
      </p>
      <TypedConfirmField text={confirmText} value={typed} onChange={setTyped} />
      <ErrorNote error={action.error} />
      <DialogActions onCancel={onClose}>
        <button type="button" className="danger" disabled={action.busy || typed !== confirmText} onClick={remove}>
          Delete key
        </button>
      </DialogActions>
    </Modal>
  )
}
