import { useState, type FormEvent } from 'react'
import { type ApiError, toApiError } from '../../api'
import { useSession } from '../../session'
import { ErrorNote, Field } from '../ui'

/** Change your password: the current one is required; your other sessions end, this one stays. */
export function ChangePasswordForm({ onChanged }: { onChanged: () => void }) {
  const { api } = useSession()
  const [form, setForm] = useState({ current: '', next: '' })
  const [error, setError] = useState<ApiError | null>(null)
  const [notice, setNotice] = useState('')
  const submit = async (e: FormEvent) => {
    e.preventDefault()
    setError(null)
    setNotice('')
    try {
      await api.changePassword(form.current, form.next)
      setForm({ current: '', next: '' })
      setNotice('Password changed. Your other sessions have ended.')
      onChanged()
    } catch (err) {
      setError(toApiError(err))
    }
  }
  const wrong = error?.code === 'wrong_password' ? 'That is not your current password.' : undefined
  return (
    <form className="card inline-form" onSubmit={submit} noValidate aria-label="Change your password">
      <Field label="Current password" error={wrong}>
        {(p) => (
          <input
            {...p}
            name="current_password"
            type="password"
            autoComplete="current-password"
            value={form.current}
            onChange={(e) => setForm({ ...form, current: e.target.value })}
          />
        )}
      </Field>
      <Field label="New password" hint="At least 8 characters." error={error?.fields.new_password}>
        {(p) => (
          <input
            {...p}
            name="new_password"
            type="password"
            autoComplete="new-password"
            value={form.next}
            onChange={(e) => setForm({ ...form, next: e.target.value })}
          />
        )}
      </Field>
      <button type="submit" className="primary">
        Change password
      </button>
      {error && !wrong && Object.keys(error.fields).length === 0 && <ErrorNote error={error.message} />}
      <p className="notice" role="status" aria-live="polite">
        {notice}
      </p>
    </form>
  )
}
