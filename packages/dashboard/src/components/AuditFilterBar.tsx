import { useState } from 'react'

/** Actions offered as suggestions; any other action name can be typed. */
const AUDIT_ACTIONS = [
  'key.create',
  'key.update',
  'key.disable',
  'key.enable',
  'key.roll',
  'key.end_grace',
  'key.revoke',
  'key.delete',
  'key.import',
  'key.secret_refused',
  'webhook.rotate_secret',
  'webhook.end_overlap',
  'auth.login',
  'auth.login_failed',
  'auth.logout',
  'user.create',
  'application.create',
  'device.create',
]

/** The audit log's filter: an action name, applied (trimmed) when the form is sent. */
export function AuditFilterBar({ onApply }: { onApply: (action: string) => void }) {
  const [action, setAction] = useState('')
  return (
    <form
      className="filters"
      role="search"
      onSubmit={(e) => {
        e.preventDefault()
        onApply(action.trim())
      }}
    >
      <label>
        <span>Action</span>
        <input
          name="action"
          list="audit-actions"
          value={action}
          onChange={(e) => setAction(e.target.value)}
          placeholder="e.g. key.revoke"
        />
        <datalist id="audit-actions">
          {AUDIT_ACTIONS.map((a) => (
            <option key={a} value={a} />
          ))}
        </datalist>
      </label>
      <button type="submit">Filter</button>
    </form>
  )
}
