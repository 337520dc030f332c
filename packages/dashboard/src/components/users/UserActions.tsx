import { useState } from 'react'
import type { User } from '../../api'
import { useSession } from '../../session'
import { DeleteUserDialog, ResetPasswordDialog } from './UserDialogs'

/** What a row's action reports: a sentence to show, or an error. */
export type UserActionResult = { notice: string } | { error: unknown }

/** An admin's buttons on one user: role, deactivate/reactivate, reset password, delete. */
export function UserActions({ user, onDone }: { user: User; onDone: (r: UserActionResult) => void }) {
  const { api } = useSession()
  const [dialog, setDialog] = useState<'none' | 'password' | 'delete'>('none')
  const [busy, setBusy] = useState(false)
  const act = async (notice: string, call: () => Promise<unknown>) => {
    setBusy(true)
    try {
      await call()
      onDone({ notice })
      return true
    } catch (error) {
      onDone({ error })
      return false
    } finally {
      setBusy(false)
    }
  }
  const close = () => setDialog('none')
  const role = user.role === 'admin' ? 'member' : 'admin'
  return (
    <div className="toolbar" role="group" aria-label={`Actions for ${user.email}`}>
      <button
        type="button"
        disabled={busy}
        onClick={() =>
          act(`${user.email} is now ${role === 'admin' ? 'an admin' : 'a member'}.`, () =>
            api.setUserRole(user.id, role),
          )
        }
      >
        {role === 'admin' ? 'Make admin' : 'Make member'}
      </button>
      {user.deactivated_at ? (
        <button
          type="button"
          disabled={busy}
          onClick={() => act(`${user.email} can sign in again.`, () => api.reactivateUser(user.id))}
        >
          Reactivate
        </button>
      ) : (
        <button
          type="button"
          disabled={busy}
          onClick={() =>
            act(`${user.email} is deactivated: signed out, their keys refused.`, () => api.deactivateUser(user.id))
          }
        >
          Deactivate
        </button>
      )}
      <button type="button" disabled={busy} onClick={() => setDialog('password')}>
        Reset password
      </button>
      <button type="button" className="danger" disabled={busy} onClick={() => setDialog('delete')}>
        Delete
      </button>
      <ResetPasswordDialog user={user} open={dialog === 'password'} onClose={close} act={act} />
      <DeleteUserDialog user={user} open={dialog === 'delete'} onClose={close} act={act} />
    </div>
  )
}
