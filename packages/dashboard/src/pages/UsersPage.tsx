import { useState, type FormEvent } from 'react'
import { ApiError, toApiError } from '../api'
import { Empty, ErrorNote, Field, Loading, useLoad } from '../components/ui'
import { useDirectory } from '../directory'
import { type UserActionResult } from '../components/users/UserActions'
import { UsersTable } from '../components/users/UsersTable'
import { useSession } from '../session'

/** Users (admins): who can sign in, a form to add a member or an admin, and each user's role, status and actions. */
export function UsersPage() {
  const { api } = useSession()
  const dir = useDirectory()
  const users = useLoad(() => api.listUsers(), [api])
  const [form, setForm] = useState({ email: '', password: '', role: 'member' as 'admin' | 'member' })
  const [error, setError] = useState<ApiError | null>(null)
  const [notice, setNotice] = useState('')
  const create = async (e: FormEvent) => {
    e.preventDefault()
    setError(null)
    try {
      const u = await api.createUser({ ...form, email: form.email.trim() })
      setForm({ email: '', password: '', role: 'member' })
      setNotice(`${u.email} can now sign in.`)
      users.reload()
      dir.reload()
    } catch (err) {
      setError(toApiError(err))
    }
  }
  /** A row's action: its sentence (or error) shown above the table, and the list re-read. */
  const done = (r: UserActionResult) => {
    if ('error' in r) setError(toApiError(r.error))
    else {
      setError(null)
      setNotice(r.notice)
    }
    users.reload()
    dir.reload()
  }
  const general = error && Object.keys(error.fields).length === 0 ? error.message : undefined
  return (
    <section aria-labelledby="users-title">
      <header className="page-head">
        <h1 id="users-title">Users</h1>
      </header>
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
      <p className="notice" role="status" aria-live="polite">
        {notice}
      </p>
      {users.loading && !users.data && <Loading what="Loading users" />}
      <ErrorNote error={users.error} />
      {users.data &&
        (users.data.users.length === 0 ? (
          <Empty>
            <p>No users.</p>
          </Empty>
        ) : (
          <UsersTable users={users.data.users} onDone={done} />
        ))}
    </section>
  )
}
