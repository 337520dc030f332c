import { when } from '../../format'
import type { Webhook, WebhookApi } from '../../webhooks'
import type { KeyAction } from '../key/useKeyAction'
import { ConfirmDialog } from './ConfirmDialog'

/**
 * Asks before ending a rotation's overlap: a receiver still checking only the replaced secret rejects
 * every delivery from then on. For a replaced secret found exposed, without rotating again.
 */
export function EndOverlapDialog({
  w,
  hooks,
  action,
  onClose,
}: {
  w: Webhook
  hooks: WebhookApi
  action: KeyAction<Webhook>
  onClose: () => void
}) {
  const end = async () => {
    if (await action.act('Overlap ended: only the current secret signs.', () => hooks.endOverlap(w.id))) onClose()
  }
  return (
    <ConfirmDialog
      title="End the overlap now?"
      confirmLabel="End overlap"
      busy={action.busy}
      error={action.error}
      onConfirm={() => void end()}
      onClose={onClose}
    >
      <p>
        <strong>The previous secret stops signing at once</strong>
        {w.previous_secret_expires_at && <>, instead of at {when(w.previous_secret_expires_at)}</>}: a receiver that has
        not switched to the current secret rejects every delivery from now on.
      </p>
    </ConfirmDialog>
  )
}
