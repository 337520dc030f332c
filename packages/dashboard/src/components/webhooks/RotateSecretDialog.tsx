import { useState } from 'react'
import { when } from '../../format'
import type { KeyAction } from '../key/useKeyAction'
import type { Webhook, WebhookApi } from '../../webhooks'
import { GRACE_CHOICES, GraceField, MAX_WEBHOOK_OVERLAP_S } from '../form/GraceField'
import { ConfirmDialog } from './ConfirmDialog'

const OVERLAP = GRACE_CHOICES('No overlap: the old secret stops now', MAX_WEBHOOK_OVERLAP_S)

/** What the page says after a rotation (a duration: the browser's clock may differ from the server's). */
export function rotatedNotice(graceS: number): string {
  if (graceS === 0) return 'Signing secret rotated. The old secret stopped signing.'
  const label = OVERLAP.find(([s]) => s === graceS)?.[1] ?? `${graceS} s`
  return `Signing secret rotated. Deliveries carry both signatures for ${label}.`
}

/** What the chosen overlap means for the receiver. */
function OverlapExplained({ graceS }: { graceS: number }) {
  if (graceS > 0)
    return (
      <p>
        Until the overlap ends each delivery carries both signatures, so your receiver accepts them while you switch it
        over.
      </p>
    )
  return (
    <p>
      <strong>The current secret stops signing at once:</strong> your receiver refuses deliveries until it has the new
      one. Choose this after a leak, and remove the old secret from your receiver too.
    </p>
  )
}

/**
 * Confirms a rotation and picks how long the old secret keeps signing beside the new one, so the
 * receiver can switch without rejecting deliveries; the new secret goes to `onSecret`.
 */
export function RotateSecretDialog({
  w,
  hooks,
  action,
  onClose,
  onSecret,
}: {
  w: Webhook
  hooks: WebhookApi
  action: KeyAction<Webhook>
  onClose: () => void
  onSecret: (s: string) => void
}) {
  const [grace, setGrace] = useState(86_400)
  const rotate = async () => {
    const ok = await action.act(rotatedNotice(grace), async () => {
      const r = await hooks.rotateSecret(w.id, grace)
      onSecret(r.secret)
      return r.webhook
    })
    if (ok) onClose()
  }
  const common = { busy: action.busy, error: action.error, onClose }
  return (
    <ConfirmDialog
      title="Rotate the signing secret?"
      confirmLabel="Rotate secret"
      onConfirm={() => void rotate()}
      {...common}
    >
      <p>Deliveries from now on are signed with a new secret, shown once.</p>
      <OverlapExplained graceS={grace} />
      {w.previous_secret_expires_at && (
        <p className="warning">
          The secret the last rotation replaced signs until {when(w.previous_secret_expires_at)}; it stops as soon as
          you rotate again.
        </p>
      )}
      <GraceField label="Old secret keeps signing for" choices={OVERLAP} value={grace} onChange={setGrace} />
    </ConfirmDialog>
  )
}
