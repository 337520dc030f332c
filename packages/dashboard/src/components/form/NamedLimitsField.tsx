import { LimitRows } from '../limits/LimitRows'
import { type KeyFieldProps, fieldError } from './key-form-state'

/**
 * The key's named rate limits, the whole list (`ratelimits`): the one named `default` is the
 * single rate limit of older versions and API clients, so a key that has only it shows one row.
 */
export function NamedLimitsField({ form, set, error }: KeyFieldProps) {
  const listError = error?.fields['ratelimits']
  return (
    <fieldset className="field limits-editor">
      <legend>Rate limits</legend>
      <small className="hint">
        Each allows at most its limit of requests per window. One checked on every verification applies by itself, the
        others when your API names them. The limit named &ldquo;default&rdquo; is the single rate limit older clients
        see.
      </small>
      <LimitRows
        rows={form.limits}
        onChange={(limits) => set({ limits })}
        rowError={(i) => fieldError(error, `ratelimits.${i}`)}
      />
      {listError && (
        <small className="field-error" role="alert">
          {listError}
        </small>
      )}
    </fieldset>
  )
}
