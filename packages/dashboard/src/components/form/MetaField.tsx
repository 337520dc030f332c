import { Field } from '../ui'
import { type KeyFieldProps, fieldError } from './key-form-state'

/** Free-form JSON that every verification of the key returns (a customer's plan, say): Keyward stores it, checks nothing in it. */
export function MetaField({ form, set, error }: KeyFieldProps) {
  return (
    <Field
      label="Metadata (optional)"
      error={fieldError(error, 'meta')}
      hint='A JSON object returned with every verification of the key, e.g. {"plan": "pro"}. Not secret: whoever can read the key sees it.'
    >
      {(p) => (
        <textarea
          {...p}
          name="meta"
          rows={3}
          spellCheck={false}
          value={form.meta}
          onChange={(e) => set({ meta: e.target.value })}
        />
      )}
    </Field>
  )
}
