import { when } from '../../format'
import { ErrorNote, Modal } from '../ui'
import type { KeyDialogProps } from './useKeyAction'

/**
 * Confirms ending the last roll's grace period now: every client still on the old secret is refused
 * at once, so it is asked, as a revoke is. For an old secret found exposed, without rolling again.
 */
export function EndGraceDialog({ k, api, action, open, onClose }: KeyDialogProps) {
  const end = async () => {
    const done = 'Grace period ended: the old secret stopped working.'
    if (await action.act(done, () => api.endKeyGrace(k.id))) onClose()
  }
  return (
    <Modal open={open} title="End the grace period now?" onClose={onClose}>
      <p>
        <strong>The old secret stops working at once</strong>
        {k.previous_secret_expires_at && <>, instead of at {when(k.previous_secret_expires_at)}</>}: clients still using
        it are refused, and the keys it made during the grace period are revoked, with the keys made from them. The
        current secret and the keys it made keep working.
      </p>
      <ErrorNote error={action.error} />
      <div className="actions">
        <button type="button" onClick={onClose} autoFocus>
          Cancel
        </button>
        <button type="button" className="danger" disabled={action.busy} onClick={end}>
          End grace period
        </button>
      </div>
    </Modal>
  )
}
