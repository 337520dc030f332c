import { Field } from '../ui'
import { type KeyFieldProps, fieldError } from './key-form-state'
import { RefillFields } from './RefillFields'

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
          {form.refillOn && <RefillFields form={form} set={set} error={error} />}
        </>
      )}
    </fieldset>
  )
}
