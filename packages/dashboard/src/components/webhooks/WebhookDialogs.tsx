import { useNavigate } from 'react-router'
import type { KeyAction } from '../key/useKeyAction'
import type { Webhook, WebhookApi } from '../../webhooks'
import type { WebhookDialog } from './WebhookActions'
import { ConfirmDialog } from './ConfirmDialog'
import { EndOverlapDialog } from './EndOverlapDialog'
import { RotateSecretDialog } from './RotateSecretDialog'

/** The webhook page's confirmations: rotate the signing secret (shown once after), end an overlap, delete the webhook. */
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
  const remove = async () => {
    if (await action.act('Webhook deleted.', () => hooks.remove(w.id)))
      void navigate('/webhooks', { replace: true, state: { notice: `Webhook ${w.url} deleted.` } })
  }
  if (dialog === 'rotate')
    return <RotateSecretDialog w={w} hooks={hooks} action={action} onClose={onClose} onSecret={onSecret} />
  if (dialog === 'end-overlap') return <EndOverlapDialog w={w} hooks={hooks} action={action} onClose={onClose} />
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
