import { useEffect, useState } from 'react'
import { useNavigate } from 'react-router'
import { DialogActions, TypedConfirmField } from '../DialogParts'
import { ErrorNote, Modal } from '../ui'
import type { ApplicationDialogProps } from './RenameApplicationDialog'

/** Confirms a deletion by typing the slug: every device and key of the fleet stops working at once. */
export function DeleteApplicationDialog({ app, api, action, open, onClose }: ApplicationDialogProps) {
  const [typed, setTyped] = useState('')
  useEffect(() => {
    if (open) setTyped('')
  }, [open])
  const navigate = useNavigate()
  const remove = async () => {
    if (await action.act('Application deleted.', () => api.deleteApplication(app.id))) {
      void navigate('/applications', { replace: true, state: { notice: `Application ${app.slug} deleted.` } })
    }
  }
  return (
    <Modal open={open} title="Delete this application?" onClose={onClose}>
      <p>
        <strong>Its devices and every key of the application and its devices are deleted</strong>, and they are refused
        at once. This cannot be undone.
      </p>
      <TypedConfirmField text={app.slug} value={typed} onChange={setTyped} />
      <ErrorNote error={action.error} />
      <DialogActions onCancel={onClose}>
        <button type="button" className="danger" disabled={action.busy || typed !== app.slug} onClick={remove}>
          Delete application
        </button>
      </DialogActions>
    </Modal>
  )
}
