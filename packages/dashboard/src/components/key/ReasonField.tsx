import type { ApiError } from '../../api'
import { Field } from '../ui'

/** A revocation's optional reason, kept with the key and in the audit trail (the API's `reason` error shown here). */
export function ReasonField(props: {
  value: string
  onChange: (v: string) => void
  error: ApiError | null
  hint: string
}) {
  return (
    <Field label="Reason (optional, kept in the audit trail)" error={props.error?.fields.reason}>
      {(p) => (
        <input
          {...p}
          name="reason"
          maxLength={500}
          value={props.value}
          onChange={(e) => props.onChange(e.target.value)}
          placeholder={props.hint}
        />
      )}
    </Field>
  )
}
