import { useOrg } from '../../orgs'
import { TypedDeleteDialog } from '../TypedDeleteDialog'
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
  const remove = async () => {
    if (await action.act('', () => api.deleteOrganization(org.id))) {
      onDeleted(`Organization ${org.handle} deleted.`)
      choose(null)
      reload()
    }
  }
  return (
    <TypedDeleteDialog {...{ action, open, onClose }} confirm={org.handle} what="organization" onDelete={remove}>
      <strong>Every key the organization owns is deleted</strong> and refused at once; its members lose what they saw
      through it. Delete its applications first. This cannot be undone.
    </TypedDeleteDialog>
  )
}
