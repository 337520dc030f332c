import { useState } from 'react'
import { ConfirmClose } from './SecretConfirmClose'
import { Modal } from './ui'

/**
 * Shows a new key's secret once, with a copy button and a clear warning that it will not be shown again.
 * Escape and a click outside do not throw the secret away: they ask first (the secret exists nowhere else).
 */
export function SecretDialog({
  secret,
  title,
  onDone,
  noun = 'key',
  why = 'Keyward stores only its hash.',
}: {
  secret: string | null
  title: string
  onDone: () => void
  /** What the secret is, in the warnings ("key", "signing secret"). */
  noun?: string
  /** Why it cannot be shown again. */
  why?: string
}) {
  const [copied, setCopied] = useState<'no' | 'yes' | 'failed'>('no')
  const [asking, setAsking] = useState(false)
  const done = () => {
    setCopied('no')
    setAsking(false)
    onDone()
  }
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
    <Modal open={secret !== null} title={title} onClose={done} onDismiss={() => setAsking(true)} guarded>
      <p className="warning" role="note">
        <strong>Copy this {noun} now. You will not see it again:</strong> {why}
      </p>
      <div className="secret-row">
        <input
          className="secret"
          aria-label={noun === 'key' ? 'Secret key' : noun[0]!.toUpperCase() + noun.slice(1)}
          readOnly
          value={secret ?? ''}
          data-testid="secret"
          onFocus={(e) => selectFromStart(e.currentTarget)}
        />
        <button type="button" className="primary" onClick={copy}>
          {copied === 'yes' ? 'Copied' : 'Copy'}
        </button>
      </div>
      <p aria-live="polite" className="hint">
        {copied === 'yes' && `The ${noun} is on your clipboard.`}
        {copied === 'failed' && `Copying was not allowed here: select the ${noun} and copy it by hand.`}
      </p>
      {asking ? (
        <ConfirmClose noun={noun} onClose={done} onStay={() => setAsking(false)} />
      ) : (
        <div className="actions">
          <button type="button" onClick={done}>
            I have stored it
          </button>
        </div>
      )}
    </Modal>
  )
}

/**
 * Selects the whole secret, shown from its start: the prefix is what tells keys apart, and selecting
 * scrolls a long value to its end. Backward, so the caret (where the view follows) is at the start.
 */
function selectFromStart(el: HTMLInputElement): void {
  el.setSelectionRange(0, el.value.length, 'backward')
  el.scrollLeft = 0
}
