import { Field } from '../ui'
import { type KeyFieldProps, fieldError } from './key-form-state'

const WINDOWS: [string, string][] = [
  ['1', 'second'],
  ['60', 'minute'],
  ['3600', 'hour'],
  ['86400', 'day'],
]

/** An optional limit of N requests per window. */
export function RateLimitField({ form, set, error }: KeyFieldProps) {
  return (
    <fieldset className="field">
      <legend>Rate limit</legend>
      <label className="choice">
        <input
          type="checkbox"
          name="rateLimitOn"
          checked={form.rateLimitOn}
          onChange={(e) => set({ rateLimitOn: e.target.checked })}
        />{' '}
        Limit requests
      </label>
      {form.rateLimitOn && (
        <div className="inline">
          <Field label="Requests" error={fieldError(error, 'rate_limit.limit', 'rate_limit')}>
            {(p) => (
              <input
                {...p}
                name="rateLimit"
                type="number"
                min={1}
                inputMode="numeric"
                value={form.rateLimit}
                onChange={(e) => set({ rateLimit: e.target.value })}
              />
            )}
          </Field>
          <Field label="per" error={fieldError(error, 'rate_limit.window_s')}>
            {(p) => (
              <select
                {...p}
                name="rateWindowS"
                value={form.rateWindowS}
                onChange={(e) => set({ rateWindowS: e.target.value })}
              >
                {WINDOWS.map(([v, l]) => (
                  <option key={v} value={v}>
                    {l}
                  </option>
                ))}
                {!WINDOWS.some(([v]) => v === form.rateWindowS) && (
                  <option value={form.rateWindowS}>{form.rateWindowS} s</option>
                )}
              </select>
            )}
          </Field>
        </div>
      )}
    </fieldset>
  )
}
