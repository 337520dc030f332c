import { useState } from 'react'
import type { User } from '../../api'
import { useSession } from '../../session'
import { Field, Modal } from '../ui'

interface DialogProps {
  user: User
  open: boolean
  onClose: () => void
  /** Runs the change and reports it on the page; true when it succeeded. */
  act: (notice: string, call: () => Promise<unknown>) => Promise<boolean>
}

/** Sets a user's password; every session of theirs ends. */
export function ResetPasswordDialog({ user, open, onClose, act }: DialogProps) {
  const { api } = useSession()
  const [password, setPassword] = useState('')
  const submit = async () => {
    if (
      await act(`${user.email} has a new password; their sessions ended.`, () =>
        api.resetUserPassword(user.id, password),
      )
    ) {
      setPassword('')
      onClose()
    }
  }
  return (
    <Modal open={open} title={`New password for ${user.email}`} onClose={onClose}>
      <p>Every session of this user ends. Tell them the new password another way.</p>
      <Field label="New password" hint="At least 8 characters.">
        {(p) => (
          <input
            {...p}
            name="new_password"
            type="password"
            autoComplete="new-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        )}
      </Field>
      <div className="actions">
        <button type="button" onClick={onClose}>
          Cancel
        </button>
        <button type="button" className="primary" disabled={password.length < 8} onClick={() => void submit()}>
          Set password
        </button>
      </div>
    </Modal>
  )
}

/** Confirms a deletion by typing the user's email. */
export function DeleteUserDialog({ user, open, onClose, act }: DialogProps) {
  const { api } = useSession()
  const [typed, setTyped] = useState('')
  const remove = async () => {
    if (await act(`${user.email} is deleted; their own keys are revoked.`, () => api.deleteUser(user.id))) onClose()
  }
  return (
    <Modal open={open} title={`Delete ${user.email}?`} onClose={onClose}>
      <p>
        Their sessions end and <strong>their own keys are revoked</strong> (kept, for the audit log), with any key their
        keys&apos; old secrets made during a grace period still running, whoever owns it. The email can be used for a
        new account.
      </p>
      <Field label={`Type "${user.email}" to confirm`}>
        {(p) => (
          <input {...p} name="confirm" value={typed} autoComplete="off" onChange={(e) => setTyped(e.target.value)} />
        )}
      </Field>
      <div className="actions">
        <button type="button" onClick={onClose}>
          Cancel
        </button>
        <button type="button" className="danger" disabled={typed !== user.email} onClick={() => void remove()}>
          Delete user
        </button>
      </div>
    </Modal>
  )
}
