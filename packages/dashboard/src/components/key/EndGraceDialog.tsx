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
        it are refused. The current secret keeps working. Keys the old secret made keep their expiry: find them under
        this key&apos;s keys and revoke those you do not know.
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
