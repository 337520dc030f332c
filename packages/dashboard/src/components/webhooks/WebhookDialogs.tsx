import { useNavigate } from 'react-router'
import type { KeyAction } from '../key/useKeyAction'
import type { Webhook, WebhookApi } from '../../webhooks'
import type { WebhookDialog } from './WebhookActions'
import { ConfirmDialog } from './ConfirmDialog'

/** The webhook page's confirmations: rotate the signing secret (shown once after), or delete the webhook. */
export function WebhookDialogs({
  w,
  hooks,
  action,
  dialog,
  onClose,
  onSecret,
}: {
  w: Webhook
  hooks: WebhookApi
  action: KeyAction<Webhook>
  dialog: WebhookDialog
  onClose: () => void
  onSecret: (s: string) => void
}) {
  const navigate = useNavigate()
  const common = { busy: action.busy, error: action.error, onClose }
  const rotate = async () => {
    const ok = await action.act('Signing secret rotated.', async () => {
      const r = await hooks.rotateSecret(w.id)
      onSecret(r.secret)
      return r.webhook
    })
    if (ok) onClose()
  }
  const remove = async () => {
    if (await action.act('Webhook deleted.', () => hooks.remove(w.id)))
      void navigate('/webhooks', { replace: true, state: { notice: `Webhook ${w.url} deleted.` } })
  }
  if (dialog === 'rotate')
    return (
      <ConfirmDialog
        title="Rotate the signing secret?"
        confirmLabel="Rotate secret"
        onConfirm={() => void rotate()}
        {...common}
      >
        <p>
          <strong>The current secret stops signing at once.</strong> Deliveries from now on are signed with the new one,
          which is shown once: update your receiver right after.
        </p>
      </ConfirmDialog>
    )
  if (dialog === 'delete')
    return (
      <ConfirmDialog
        title="Delete this webhook?"
        confirmLabel="Delete webhook"
        onConfirm={() => void remove()}
        {...common}
      >
        <p>
          <strong>Deleting is final.</strong> Keyward stops posting to <code>{w.url}</code>.
        </p>
      </ConfirmDialog>
    )
  return null
}
