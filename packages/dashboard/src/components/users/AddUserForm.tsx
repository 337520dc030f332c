import { useState, type FormEvent } from 'react'
import { ApiError, toApiError } from '../../api'
import { ErrorNote, Field } from '../ui'
import { useSession } from '../../session'

const EMPTY = { email: '', password: '', role: 'member' as 'admin' | 'member' }

/** An admin's form to add a member or an admin; `onAdded` gets the new user's email. */
export function AddUserForm({ onAdded }: { onAdded: (email: string) => void }) {
  const { api } = useSession()
  const [form, setForm] = useState(EMPTY)
  const [error, setError] = useState<ApiError | null>(null)
  const create = async (e: FormEvent) => {
    e.preventDefault()
    setError(null)
    try {
      const u = await api.createUser({ ...form, email: form.email.trim() })
      setForm(EMPTY)
      onAdded(u.email)
    } catch (err) {
      setError(toApiError(err))
    }
  }
  const general = error && Object.keys(error.fields).length === 0 ? error.message : undefined
  return (
    <>
      <form className="card inline-form" onSubmit={create} noValidate aria-label="Add a user">
        <Field label="Email" error={error?.fields.email ?? (error?.code === 'conflict' ? general : undefined)}>
          {(p) => (
            <input
              {...p}
              name="email"
              type="email"
              autoComplete="off"
              value={form.email}
              onChange={(e) => setForm({ ...form, email: e.target.value })}
            />
          )}
        </Field>
        <Field label="Initial password" hint="At least 8 characters." error={error?.fields.password}>
          {(p) => (
            <input
              {...p}
              name="password"
              type="password"
              autoComplete="new-password"
              value={form.password}
              onChange={(e) => setForm({ ...form, password: e.target.value })}
            />
          )}
        </Field>
        <Field label="Role">
          {(p) => (
            <select
              {...p}
              name="role"
              value={form.role}
              onChange={(e) => setForm({ ...form, role: e.target.value as 'admin' | 'member' })}
            >
              <option value="member">member: manages their own keys</option>
              <option value="admin">admin: manages everything</option>
            </select>
          )}
        </Field>
        <button type="submit" className="primary">
          Add user
        </button>
      </form>
      {general && error?.code !== 'conflict' && <ErrorNote error={general} />}
    </>
  )
}
