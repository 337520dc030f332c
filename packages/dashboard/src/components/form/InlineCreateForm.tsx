import { useState, type FormEvent } from 'react'
import { ApiError, toApiError } from '../../api'
import { Field } from '../ui'

/**
 * A one-field form that creates something (an application, a device): the value is trimmed,
 * the field cleared on success, and a refusal shown under the field (its own field error, else
 * the general message).
 */
export function InlineCreateForm({
  label,
  hint,
  name,
  submit,
  primary = false,
  onCreate,
}: {
  label: string
  hint?: string
  /** The input's `name`. */
  name: string
  submit: string
  primary?: boolean
  onCreate: (value: string) => Promise<unknown>
}) {
  const [value, setValue] = useState('')
  const [error, setError] = useState<ApiError | null>(null)
  const create = async (e: FormEvent) => {
    e.preventDefault()
    setError(null)
    try {
      await onCreate(value.trim())
      setValue('')
    } catch (err) {
      setError(toApiError(err))
    }
  }
  const general = error && Object.keys(error.fields).length === 0 ? error.message : undefined
  return (
    <form className="card inline-form" onSubmit={create} noValidate>
      <Field label={label} hint={hint} error={error?.fields.name ?? general}>
        {(p) => (
          <input {...p} name={name} value={value} onChange={(e) => setValue(e.target.value)} autoComplete="off" />
        )}
      </Field>
      <button type="submit" className={primary ? 'primary' : undefined}>
        {submit}
      </button>
    </form>
  )
}
