import { Field } from '../ui'
import { type KeyFieldProps, fieldError } from './key-form-state'

/** The start of a new key's secret (`billing_…`), to tell keys apart at a glance; chosen at creation only. */
export function PrefixField({ form, set, error }: KeyFieldProps) {
  return (
    <Field
      label="Key prefix (optional)"
      error={fieldError(error, 'prefix')}
      hint="Lowercase letters and digits, starting with a letter, at most 16, e.g. billing: the secret then starts with billing_. Empty: kw_."
    >
      {(p) => (
        <input
          {...p}
          name="prefix"
          maxLength={16}
          value={form.prefix}
          onChange={(e) => set({ prefix: e.target.value })}
          autoComplete="off"
          spellCheck={false}
        />
      )}
    </Field>
  )
}
