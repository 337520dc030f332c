import { useState } from 'react'
import { ErrorNote, Modal } from '../ui'
import { ReasonField } from './ReasonField'
import { useMade } from './MintedKeysOption'
import type { KeyDialogProps } from './useKeyAction'
import { SIGNED_OUT } from './RevokeDialog'
import type { RevokedKey } from '../../api'

/**
 * For a revoked key (a leak report revoked it): revokes the keys made with it, and what those made. Whoever
 * held the leaked secret may have made them, and a revoked key no longer offers the revoke dialog's option.
 */
export function RevokeMintedDialog({ k, api, action, open, onClose }: KeyDialogProps) {
  const [reason, setReason] = useState('')
  const made = useMade(api, k)
  const count = made?.keys
  const revoke = async () => {
    let answer: RevokedKey | null = null
    const run = async () => (answer = await api.revokeKey(k.id, reason.trim(), true))
    if (await action.act(() => summary(answer!), run)) onClose()
  }
  return (
    <Modal open={open} title="Revoke the keys made with this key?" onClose={onClose}>
      <p>
        <strong>Revoking is final.</strong>{' '}
        {count === 0
          ? 'No unrevoked key was made from this key.'
          : `The ${count ?? ''} key${count === 1 ? '' : 's'} made from this key (with it, or by the keys it made) will be
          refused from now on. Their owners see them revoked "made from a key revoked with what it made", followed by
          your reason.`}
      </p>
      {!!made?.passwords && <ChosenPasswords count={made.passwords} own={made.own_password} />}
      <ReasonField value={reason} onChange={setReason} error={action.error} hint="e.g. made with a leaked key" />
      {action.error && !action.error.fields.reason && <ErrorNote error={action.error} />}
      <div className="actions">
        <button type="button" onClick={onClose}>
          Cancel
        </button>
        <button type="button" className="danger" disabled={action.busy} onClick={revoke}>
          {count === 1 ? 'Revoke it' : 'Revoke them'}
        </button>
      </div>
    </Modal>
  )
}

/** What the revoke ended, for the notice: keys, passwords, webhooks, and whether it signed the viewer out. */
function summary(r: RevokedKey): string {
  const [revoked, cleared, webhooks] = [r.minted_revoked ?? 0, r.passwords_cleared ?? 0, r.webhooks_ended ?? 0]
  return [
    (revoked || !(cleared || webhooks)) &&
      `Revoked ${revoked === 1 ? 'the key' : `${revoked} keys`} made with this key.`,
    cleared && `Cleared ${cleared === 1 ? 'the password' : `${cleared} passwords`} it chose.`,
    webhooks &&
      `Stopped ${webhooks === 1 ? 'the webhook' : `${webhooks} webhooks`} configured through them: check the URL, then rotate the secret to resume.`,
    r.own_password_cleared && SIGNED_OUT,
  ]
    .filter(Boolean)
    .join(' ')
}

/** The passwords the revoke clears too: their users sign in again once an admin sets a new password. */
function ChosenPasswords({ count, own }: { count: number; own: boolean }) {
  const these = count === 1 ? 'The password this key chose' : `The ${count} passwords this key chose`
  return (
    <p>
      {these} will be cleared too, and {count === 1 ? 'its user is' : 'their users are'} signed out: an admin sets a new
      password.{' '}
      {own && (
        <strong>
          Yours is {count === 1 ? 'that one' : 'one of them'}: you will be signed out once it is done, and another admin
          sets you a new password.
        </strong>
      )}
    </p>
  )
}
