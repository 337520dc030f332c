import type { Member } from '../../api'
import { Modal } from '../ui'

/**
 * Asks before a member is removed: their sessions end at once and they lose the organization's
 * keys (the removal was one click, beside the role select: a new user's report).
 */
export function RemoveMemberDialog(props: { member: Member | null; onCancel: () => void; onRemove: () => void }) {
  const { member } = props
  return (
    <Modal open={member !== null} title={`Remove ${member?.email ?? ''}?`} onClose={props.onCancel}>
      <p>
        They lose access to this organization and its keys at once, and <strong>every session of theirs ends</strong>.
        Keys they made stay with the organization.
      </p>
      <div className="actions">
        <button type="button" onClick={props.onCancel}>
          Cancel
        </button>
        <button type="button" className="danger" onClick={props.onRemove}>
          Remove member
        </button>
      </div>
    </Modal>
  )
}
