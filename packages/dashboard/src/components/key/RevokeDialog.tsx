import { useState } from 'react'
import { ErrorNote, Modal } from '../ui'
import { ReasonField } from './ReasonField'
import { MintedKeysOption, useMade } from './MintedKeysOption'
import type { KeyDialogProps } from './useKeyAction'

/** Shown after a revoke that cleared the viewer's own password (the next request finds the session ended). */
export const SIGNED_OUT = 'Your password was one it chose: you are signed out; another admin sets you a new one.'

/** Confirms a revocation, with an optional reason kept in the audit trail. */
export function RevokeDialog({ k, api, action, open, onClose }: KeyDialogProps) {
  const [reason, setReason] = useState('')
  const [minted, setMinted] = useState(false)
  const made = useMade(api, k)
  const { error } = action
  const revoke = async () => {
    const done = minted
      ? `Key revoked, with what it made.${made?.own_password ? ` ${SIGNED_OUT}` : ''}`
      : 'Key revoked.'
    if (await action.act(done, () => api.revokeKey(k.id, reason.trim(), minted))) onClose()
  }
  return (
    <Modal open={open} title="Revoke this key?" onClose={onClose}>
      <p>
        <strong>Revoking is final.</strong> The key will be refused from now on and cannot be enabled again. It stays
        listed, for the audit trail.
      </p>
      <ReasonField value={reason} onChange={setReason} error={error} hint="e.g. leaked in a log" />
      <MintedKeysOption made={made} checked={minted} onChange={setMinted} />
      {error && !error.fields.reason && <ErrorNote error={error} />}
      <div className="actions">
        <button type="button" onClick={onClose}>
          Cancel
        </button>
        <button type="button" className="danger" disabled={action.busy} onClick={revoke}>
          Revoke key
        </button>
      </div>
    </Modal>
  )
}
