import { useState, type FormEvent } from 'react'
import type { CreatedInvitation, OrgRole, Organization } from '../../api'
import { useSession } from '../../session'
import { ErrorNote, Field } from '../ui'
import { InvitationTokenDialog } from './InvitationTokenDialog'
import { useAction } from './useAction'

/**
 * Invites by email (shown to admins; the owner role offered to owners alone). Where the token went: to the invitee's
 * mailbox only when the server has a mail server (said here, since the inviter never sees it), else to this inviter,
 * once, in `InvitationTokenDialog`.
 */
export function InviteForm({ org, onInvited }: { org: Organization; onInvited: () => void }) {
  const { api } = useSession()
  const [email, setEmail] = useState('')
  const [role, setRole] = useState<OrgRole>('member')
  const [created, setCreated] = useState<CreatedInvitation | null>(null)
  const [mailed, setMailed] = useState('')
  const { error, run } = useAction()
  const submit = (e: FormEvent) => {
    e.preventDefault()
    setMailed('')
    void run(async () => {
      const r = await api.invite(org.id, email.trim(), role)
      if (r.token === null)
        setMailed(`Invitation mailed to ${r.invitation.email} (${r.invitation.role}): the token is only in that mail.`)
      else setCreated(r)
      setEmail('')
      onInvited()
    })
  }
  return (
    <>
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
              {org.can.manage_owners && <option value="owner">owner: also deletes and transfers</option>}
            </select>
          )}
        </Field>
        <button type="submit" className="primary">
          Invite
        </button>
        {error && <ErrorNote error={error} />}
        <p className="notice" role="status" aria-live="polite">
          {mailed}
        </p>
      </form>
      <InvitationTokenDialog created={created} onDone={() => setCreated(null)} />
    </>
  )
}
