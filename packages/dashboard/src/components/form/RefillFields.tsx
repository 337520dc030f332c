import { Field } from '../ui'
import { type KeyFieldProps, fieldError } from './key-form-state'

const REFILLS: [string, string][] = [
  ['3600', 'every hour'],
  ['86400', 'every day'],
  ['604800', 'every week'],
  ['2592000', 'every 30 days'],
]

/** A usage limit's refill: the amount uses left is reset to (not increased by), and how often. */
export function RefillFields({ form, set, error }: KeyFieldProps) {
  return (
    <div className="inline">
      <Field
        label="Refill to"
        hint="Uses left is reset to this number (not increased by it)."
        error={fieldError(error, 'refill.amount', 'refill')}
      >
        {(p) => (
          <input
            {...p}
            name="refillAmount"
            type="number"
            min={1}
            inputMode="numeric"
            value={form.refillAmount}
            onChange={(e) => set({ refillAmount: e.target.value })}
          />
        )}
      </Field>
      <Field label="How often" error={fieldError(error, 'refill.interval_s')}>
        {(p) => (
          <select
            {...p}
            name="refillIntervalS"
            value={form.refillIntervalS}
            onChange={(e) => set({ refillIntervalS: e.target.value })}
          >
            {REFILLS.map(([v, l]) => (
              <option key={v} value={v}>
                {l}
              </option>
            ))}
            {/* An interval set elsewhere (API, CLI) is shown as it is, not silently replaced. */}
            {!REFILLS.some(([v]) => v === form.refillIntervalS) && (
              <option value={form.refillIntervalS}>every {form.refillIntervalS} s</option>
            )}
          </select>
        )}
      </Field>
    </div>
  )
}
