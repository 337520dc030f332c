import { useState } from 'react'
import { ErrorNote, Modal } from '../ui'
import { ReasonField } from './ReasonField'
import { useMintedCount } from './MintedKeysOption'
import type { KeyDialogProps } from './useKeyAction'

/**
 * For a revoked key (a leak report revoked it): revokes the keys made with it, and what those made. Whoever
 * held the leaked secret may have made them, and a revoked key no longer offers the revoke dialog's option.
 */
export function RevokeMintedDialog({ k, api, action, open, onClose }: KeyDialogProps) {
  const [reason, setReason] = useState('')
  const count = useMintedCount(api, k)
  const revoke = async () => {
    let revoked = 0
    const run = async () => {
      const r = await api.revokeKey(k.id, reason.trim(), true)
      revoked = r.minted_revoked ?? 0
      return r
    }
    const done = () => `Revoked ${revoked === 1 ? 'the key' : `${revoked} keys`} made with this key.`
    if (await action.act(done, run)) onClose()
  }
  return (
    <Modal open={open} title="Revoke the keys made with this key?" onClose={onClose}>
      <p>
        <strong>Revoking is final.</strong> The {count ?? ''} active key{count === 1 ? '' : 's'} made with this key, and
        any keys those made, will be refused from now on. Their owners see them revoked "made from a key revoked with
        what it made", followed by your reason.
      </p>
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
