import { useEffect, useRef, useState, type FormEvent } from 'react'
import { type Api, type ApiKey, type UpdateKeyInput, toApiError } from '../../api'
import { parseScopes } from '../../format'
import { KeyFields } from '../form/KeyFields'
import { expiresAtOf, keyFormOf, limitsOf, metaOf, type KeyFormState } from '../form/key-form-state'
import { focusFirstInvalid } from '../focus'
import { ErrorNote } from '../ui'
import type { KeyAction } from './useKeyAction'

/** The API's update fields for a form state. */
const asInput = (f: KeyFormState): UpdateKeyInput => ({
  name: f.name.trim(),
  description: f.description.trim() || null,
  scopes: parseScopes(f.scopes),
  ...(expiresAtOf(f) !== undefined && { expires_at: expiresAtOf(f) }),
  ...limitsOf(f),
  meta: metaOf(f),
})

/** Only what changed, so the audit trail names the fields that were really edited. */
function changesOf(k: ApiKey, f: KeyFormState): UpdateKeyInput {
  const before = asInput(keyFormOf(k)) as Record<string, unknown>
  return Object.fromEntries(
    Object.entries(asInput(f)).filter(([name, v]) => JSON.stringify(v) !== JSON.stringify(before[name])),
  )
}

/** Edits a key in place; sends only the changed fields. */
export function KeyEditForm({
  k,
  api,
  action,
  onDone,
}: {
  k: ApiKey
  api: Api
  action: KeyAction
  onDone: () => void
}) {
  const [form, setForm] = useState<KeyFormState>(() => keyFormOf(k))
  const { error } = action
  const formRef = useRef<HTMLFormElement>(null)
  useEffect(() => {
    formRef.current?.querySelector<HTMLElement>('input')?.focus()
  }, [])
  useEffect(() => {
    if (error) focusFirstInvalid(formRef.current)
  }, [error])
  const save = async (e: FormEvent) => {
    e.preventDefault()
    let changes: UpdateKeyInput
    try {
      changes = changesOf(k, form)
    } catch (err) {
      return action.setError(toApiError(err)) // metadata that is not a JSON object
    }
    if (Object.keys(changes).length === 0) return onDone()
    if (await action.act('Changes saved.', () => api.updateKey(k.id, changes))) onDone()
  }
  return (
    <form ref={formRef} className="card form" onSubmit={save} noValidate aria-label="Edit key">
      <KeyFields form={form} set={(p) => setForm((f) => ({ ...f, ...p }))} error={error} current={k} />
      {error && Object.keys(error.fields).length === 0 && error.code !== 'conflict' && <ErrorNote error={error} />}
      <div className="actions">
        <button
          type="button"
          onClick={() => {
            action.setError(null)
            onDone()
          }}
        >
          Cancel
        </button>
        <button type="submit" className="primary" disabled={action.busy}>
          Save changes
        </button>
      </div>
    </form>
  )
}
