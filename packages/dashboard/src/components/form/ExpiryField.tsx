import type { ApiError, ApiKey } from '../../api'
import { relative, when } from '../../format'
import { type ExpiryChoice, type KeyFormState, fieldError } from './key-form-state'

/** "Unchanged" names the key's current expiry, so an edit shows what it keeps. */
const keepLabel = (k: ApiKey) =>
  k.expires_at ? `Unchanged (${when(k.expires_at)}, ${relative(k.expires_at)})` : 'Unchanged (never)'

/** Expiry presets, a picked date, or never; when editing, "unchanged" first. */
export function ExpiryField({
  form,
  set,
  error,
  current,
}: {
  form: KeyFormState
  set: (patch: Partial<KeyFormState>) => void
  error: ApiError | null
  current?: ApiKey
}) {
  const choices: [ExpiryChoice, string][] = [
    ...(current ? [['keep', keepLabel(current)] as [ExpiryChoice, string]] : []),
    ['7d', '7 days'],
    ['30d', '30 days'],
    ['1y', '1 year'],
    ['never', 'Never'],
    ['custom', 'Pick a date'],
  ]
  const problem = fieldError(error, 'expires_at')
  return (
    <fieldset className={`field${problem ? ' field-invalid' : ''}`}>
      <legend>Expires</legend>
      <div className="choices">
        {choices.map(([value, label]) => (
          <label key={value} className="choice">
            <input
              type="radio"
              name="expiry"
              value={value}
              checked={form.expiry === value}
              onChange={() => set({ expiry: value })}
            />{' '}
            {label}
          </label>
        ))}
      </div>
      {form.expiry === 'custom' && (
        <input
          type="datetime-local"
          aria-label="Expiry date"
          aria-invalid={Boolean(problem)}
          value={form.customExpiry}
          onChange={(e) => set({ customExpiry: e.target.value })}
        />
      )}
      {current && form.expiry === 'custom' && Date.parse(form.customExpiry) <= Date.now() && (
        <small className="warning-text" role="status">
          A date in the past expires the key as soon as you save.
        </small>
      )}
      {problem && (
        <small className="field-error" role="alert">
          {problem}
        </small>
      )}
    </fieldset>
  )
}
