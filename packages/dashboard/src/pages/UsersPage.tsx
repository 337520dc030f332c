import { useState } from 'react'
import { AddUserForm } from '../components/users/AddUserForm'
import { Empty, ErrorNote, Loading, useLoad } from '../components/ui'
import { useDirectory } from '../directory'
import { type UserActionResult } from '../components/users/UserActions'
import { UsersTable } from '../components/users/UsersTable'
import { useSession } from '../session'

/** Users (admins): who can sign in, a form to add a member or an admin, and each user's role, status and actions. */
export function UsersPage() {
  const { api } = useSession()
  const dir = useDirectory()
  const users = useLoad(() => api.listUsers(), [api])
  const [error, setError] = useState<unknown>(null)
  const [notice, setNotice] = useState('')
  const added = (email: string) => {
    setError(null)
    setNotice(`${email} can now sign in.`)
    users.reload()
    dir.reload()
  }
  /** A row's action: its sentence (or error) shown above the table, and the list re-read. */
  const done = (r: UserActionResult) => {
    if ('error' in r) setError(r.error)
    else {
      setError(null)
      setNotice(r.notice)
    }
    users.reload()
    dir.reload()
  }
  return (
    <section aria-labelledby="users-title">
      <header className="page-head">
        <h1 id="users-title">Users</h1>
      </header>
      <AddUserForm onAdded={added} />
      <ErrorNote error={error} />
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
