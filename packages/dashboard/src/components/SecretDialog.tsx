import { useState } from 'react'
import { Modal } from './ui'

/** Shows a new key's secret once, with a copy button and a clear warning that it will not be shown again. */
export function SecretDialog({ secret, title, onDone }: { secret: string | null; title: string; onDone: () => void }) {
  const [copied, setCopied] = useState<'no' | 'yes' | 'failed'>('no')
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(secret ?? '')
      setCopied('yes')
    } catch {
      // No clipboard permission (e.g. plain http on another host): the text is selectable instead.
      setCopied('failed')
    }
  }
  return (
    <Modal open={secret !== null} title={title} onClose={() => { setCopied('no'); onDone() }}>
      <p className="warning" role="note"><strong>Copy this key now. You will not see it again:</strong> Keyward stores only its hash.</p>
      <div className="secret-row">
        <input className="secret" aria-label="Secret key" readOnly value={secret ?? ''} data-testid="secret" onFocus={(e) => e.currentTarget.select()} />
        <button type="button" className="primary" onClick={copy}>{copied === 'yes' ? 'Copied' : 'Copy'}</button>
      </div>
      <p aria-live="polite" className="hint">
        {copied === 'yes' && 'The key is on your clipboard.'}
        {copied === 'failed' && 'Copying was not allowed here: select the key and copy it by hand.'}
      </p>
      <div className="actions">
        <button type="button" onClick={() => { setCopied('no'); onDone() }}>I have stored it</button>
      </div>
    </Modal>
  )
}
