import { useNavigate } from 'react-router'
import { TypedDeleteDialog } from '../TypedDeleteDialog'
import type { ApplicationDialogProps } from './RenameApplicationDialog'

/** Confirms a deletion by typing the slug: every device and key of the fleet stops working at once. */
export function DeleteApplicationDialog({ app, api, action, open, onClose }: ApplicationDialogProps) {
  const navigate = useNavigate()
  const remove = async () => {
    if (await action.act('Application deleted.', () => api.deleteApplication(app.id))) {
      void navigate('/applications', { replace: true, state: { notice: `Application ${app.slug} deleted.` } })
    }
  }
  return (
    <TypedDeleteDialog {...{ action, open, onClose }} confirm={app.slug} what="application" onDelete={remove}>
      <strong>Its devices and every key of the application and its devices are deleted</strong>, and they are refused at
      once. This cannot be undone.
    </TypedDeleteDialog>
  )
}
