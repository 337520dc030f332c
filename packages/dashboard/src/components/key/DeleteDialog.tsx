import { useNavigate } from 'react-router'
import { TypedDeleteDialog } from '../TypedDeleteDialog'
import type { KeyDialogProps } from './useKeyAction'

/** Confirms a deletion by typing the key's name; then returns to the key list, which says what happened. */
export function DeleteDialog({ k, api, action, open, onClose }: KeyDialogProps) {
  const navigate = useNavigate()
  const confirmText = k.name ?? k.key_prefix
  const remove = async () => {
    if (await action.act('Key deleted.', () => api.deleteKey(k.id))) {
      void navigate('/keys', { replace: true, state: { notice: `Key "${confirmText}" deleted.` } })
    }
  }
  return (
    <TypedDeleteDialog {...{ action, open, onClose }} confirm={confirmText} what="key" onDelete={remove}>
      <strong>Deleting removes the key for good</strong>; it will be refused and disappear from lists. To keep a record,
      revoke instead.
    </TypedDeleteDialog>
  )
}
