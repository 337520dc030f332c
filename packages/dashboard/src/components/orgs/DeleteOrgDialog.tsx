import { useEffect, useState } from 'react'
import { useOrg } from '../../orgs'
import { DialogActions, TypedConfirmField } from '../DialogParts'
import { ErrorNote, Modal } from '../ui'
import type { OrgDialogProps } from './RenameOrgDialog'

/**
 * Confirms a deletion by typing the handle: the organization's own keys are deleted with it and refused at once.
 * The server refuses one that still owns applications (it says so here); afterwards the switcher shows every
 * organization again.
 */
export function DeleteOrgDialog({
  org,
  api,
  action,
  open,
  onClose,
  onDeleted,
}: OrgDialogProps & { onDeleted: (notice: string) => void }) {
  const { choose, reload } = useOrg()
  const [typed, setTyped] = useState('')
  useEffect(() => {
    if (open) setTyped('')
  }, [open])
  const remove = async () => {
    if (await action.act('', () => api.deleteOrganization(org.id))) {
      onDeleted(`Organization ${org.handle} deleted.`)
      choose(null)
      reload()
    }
  }
  return (
    <Modal open={open} title="Delete this organization?" onClose={onClose}>
      <p>
        <strong>Every key the organization owns is deleted</strong> and refused at once; its members lose what they saw
        through it. Delete its applications first. This cannot be undone.
      </p>
      <TypedConfirmField text={org.handle} value={typed} onChange={setTyped} />
      <ErrorNote error={action.error} />
      <DialogActions onCancel={onClose}>
        <button type="button" className="danger" disabled={action.busy || typed !== org.handle} onClick={remove}>
          Delete organization
        </button>
      </DialogActions>
    </Modal>
  )
}
