import { useState, type FormEvent } from 'react'
import type { OrgRole } from '../../api'
import { useSession } from '../../session'
import { ErrorNote, Field } from '../ui'
import { useAction } from './useAction'

/** Invites by email; shows the invitation token once, to hand to the invitee. */
export function InviteForm({ orgId, onInvited }: { orgId: number; onInvited: () => void }) {
  const { api } = useSession()
  const [email, setEmail] = useState('')
  const [role, setRole] = useState<OrgRole>('member')
  const [token, setToken] = useState('')
  const { error, run } = useAction()
  const submit = (e: FormEvent) => {
    e.preventDefault()
    void run(async () => {
      const r = await api.invite(orgId, email.trim(), role)
      setToken(r.token)
      setEmail('')
      onInvited()
    })
  }
  return (
    <form className="card inline-form" onSubmit={submit} noValidate aria-label="Invite a member">
      <Field label="Invite email">
        {(p) => <input {...p} type="email" value={email} onChange={(e) => setEmail(e.target.value)} />}
      </Field>
      <Field label="Invite role">
        {(p) => (
          <select {...p} value={role} onChange={(e) => setRole(e.target.value as OrgRole)}>
            <option value="viewer">viewer: reads keys and audit</option>
            <option value="member">member: manages fleet keys and their own</option>
            <option value="admin">admin: every key and the members</option>
            <option value="owner">owner: also deletes and transfers</option>
          </select>
        )}
      </Field>
      <button type="submit" className="primary">
        Invite
      </button>
      {error && <ErrorNote error={error} />}
      {token && (
        <p role="status">
          Invitation token (shown once): <code data-testid="invitation-token">{token}</code>
        </p>
      )}
    </form>
  )
}
