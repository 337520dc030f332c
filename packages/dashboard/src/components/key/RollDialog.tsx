import { useState } from 'react'
import { when } from '../../format'
import { GRACE_CHOICES, GraceField, MAX_ROLL_GRACE_S } from '../form/GraceField'
import { ErrorNote, Modal } from '../ui'
import type { KeyDialogProps } from './useKeyAction'

const GRACE = GRACE_CHOICES('No grace: the old secret stops now', MAX_ROLL_GRACE_S)

/**
 * What the page says after a roll: when the old secret stops working, and what went with the secret
 * the roll ended early (`minted_revoked`: absent when revoking those failed; end-grace finishes it).
 */
function rolledNotice(graceS: number, revoked: number | undefined, now = Date.now()): string {
  const old =
    graceS === 0
      ? 'Key rolled. The old secret stopped working.'
      : `Key rolled. The old secret keeps working until ${when(new Date(now + graceS * 1000).toISOString())}.`
  if (revoked === undefined)
    return `${old} Revoking the keys the earlier secret made failed: end the grace period to finish.`
  if (revoked === 0) return old
  return `${old} ${revoked === 1 ? '1 key' : `${revoked} keys`} the earlier secret made during its grace period revoked.`
}

/**
 * A key keeps one replaced secret: rolling again during the last roll's grace period ends that
 * secret at once, though the last roll promised it longer (a new user lost one so, unwarned).
 */
function StillInGrace({ until }: { until: string | null }) {
  if (!until || Date.parse(until) <= Date.now()) return null
  return (
    <p className="warning">
      The secret the last roll replaced works until {when(until)}; it stops working as soon as you roll again, and the
      keys it made during its grace period are revoked.
    </p>
  )
}

/** Confirms a roll and picks the old secret's grace period; the new secret goes to `onSecret`. */
export function RollDialog({
  k,
  api,
  action,
  open,
  onClose,
  onSecret,
}: KeyDialogProps & { onSecret: (secret: string) => void }) {
  const [grace, setGrace] = useState(3600)
  const roll = async () => {
    let revoked: number | undefined
    const ok = await action.act(
      () => rolledNotice(grace, revoked),
      async () => {
        const r = await api.rollKey(k.id, grace)
        revoked = r.minted_revoked
        onSecret(r.key)
        return r.api_key
      },
    )
    if (ok) onClose()
  }
  return (
    <Modal open={open} title="Roll this key" onClose={onClose}>
      <p>
        Rolling issues a new secret for this key. The old secret can keep working for a grace period, so you can switch
        over without downtime.
      </p>
      <StillInGrace until={k.previous_secret_expires_at} />
      <GraceField label="Old secret keeps working for" choices={GRACE} value={grace} onChange={setGrace} />
      <ErrorNote error={action.error} />
      <div className="actions">
        <button type="button" onClick={onClose}>
          Cancel
        </button>
        <button type="button" className="primary" disabled={action.busy} onClick={roll}>
          Roll key
        </button>
      </div>
    </Modal>
  )
}
