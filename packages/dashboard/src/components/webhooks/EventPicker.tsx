import { WEBHOOK_EVENT_TYPES, type WebhookEventType } from '../../webhooks'

/** What each event means, beside its name in the picker. */
const MEANING: Record<WebhookEventType, string> = {
  'key.created': 'a key was created',
  'key.updated': 'a key was edited',
  'key.disabled': 'a key was disabled',
  'key.enabled': 'a key was enabled again',
  'key.rolled': 'a key got a new secret',
  'key.revoked': 'a key was revoked',
  'key.deleted': 'a key was deleted',
  'key.leaked': 'a key was reported leaked',
  'key.expiring': 'a key expires soon',
  'key.expired': 'a key has expired',
  'key.idle': 'a key has not been used for a long time',
  'key.usage_low': "a key's remaining uses are low",
}

/** Checkboxes for the events a webhook receives (every type the server accepts), with "all" and "none". */
export function EventPicker({
  value,
  onChange,
  error,
}: {
  value: WebhookEventType[]
  onChange: (v: WebhookEventType[]) => void
  error?: string
}) {
  const toggle = (t: WebhookEventType, on: boolean) =>
    onChange(WEBHOOK_EVENT_TYPES.filter((x) => (x === t ? on : value.includes(x))))
  return (
    <fieldset
      className={`field event-picker${error ? ' field-invalid' : ''}`}
      aria-describedby={error ? 'events-error' : undefined}
    >
      <legend>Events</legend>
      <div className="toolbar">
        <button type="button" onClick={() => onChange([...WEBHOOK_EVENT_TYPES])}>
          Select all
        </button>
        <button type="button" onClick={() => onChange([])}>
          Select none
        </button>
      </div>
      {WEBHOOK_EVENT_TYPES.map((t) => (
        <label key={t} className="choice">
          <input
            type="checkbox"
            name="events"
            checked={value.includes(t)}
            onChange={(e) => toggle(t, e.target.checked)}
          />{' '}
          <code>{t}</code> <span className="muted">— {MEANING[t]}</span>
        </label>
      ))}
      {error && (
        <small id="events-error" className="field-error" role="alert">
          {error}
        </small>
      )}
    </fieldset>
  )
}
