import { Field } from '../ui'
import { type KeyFieldProps, fieldError } from './key-form-state'

const REFILLS: [string, string][] = [
  ['3600', 'every hour'],
  ['86400', 'every day'],
  ['604800', 'every week'],
  ['2592000', 'every 30 days'],
]

/** An optional budget of verifications, optionally reset to an amount on a schedule (reset to, not added to). */
export function UsageLimitField({ form, set, error }: KeyFieldProps) {
  return (
    <fieldset className="field">
      <legend>Usage limit</legend>
      <label className="choice">
        <input
          type="checkbox"
          name="usageOn"
          checked={form.usageOn}
          onChange={(e) => set({ usageOn: e.target.checked })}
        />{' '}
        Limit the number of verifications
      </label>
      {form.usageOn && (
        <>
          <Field label="Uses left" error={fieldError(error, 'remaining')}>
            {(p) => (
              <input
                {...p}
                name="remaining"
                type="number"
                min={0}
                inputMode="numeric"
                value={form.remaining}
                onChange={(e) => set({ remaining: e.target.value })}
              />
            )}
          </Field>
          <label className="choice">
            <input
              type="checkbox"
              name="refillOn"
              checked={form.refillOn}
              onChange={(e) => set({ refillOn: e.target.checked })}
            />{' '}
            Refill automatically
          </label>
          {form.refillOn && (
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
                    {!REFILLS.some(([v]) => v === form.refillIntervalS) && (
                      <option value={form.refillIntervalS}>every {form.refillIntervalS} s</option>
                    )}
                  </select>
                )}
              </Field>
            </div>
          )}
        </>
      )}
    </fieldset>
  )
}
