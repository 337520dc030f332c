import { useState } from 'react'
import { TargetField } from './audit/TargetField'
import { type AuditParams, targetFilter } from './audit/useAuditParams'

/** Actions offered as suggestions; any other action name can be typed. */
const AUDIT_ACTIONS = [
  'key.create',
  'key.update',
  'key.disable',
  'key.enable',
  'key.roll',
  'key.end_grace',
  'key.revoke',
  'key.revoke_minted',
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
  'application.update',
  'application.delete',
  'device.create',
]

/** The audit log's filters: an action name and a target (`key #3`, as its column shows it), applied when the form is sent. */
export function AuditFilterBar({ p }: { p: AuditParams }) {
  const [action, setAction] = useState(p.action)
  const [target, setTarget] = useState(p.target)
  const [invalid, setInvalid] = useState(false)
  return (
    <form
      className="filters"
      role="search"
      onSubmit={(e) => {
        e.preventDefault()
        const valid = targetFilter(target) !== null
        setInvalid(!valid)
        if (valid) p.apply({ action: action.trim(), target: target.trim() })
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
      <TargetField value={target} onChange={setTarget} invalid={invalid} />
      <button type="submit">Filter</button>
    </form>
  )
}
