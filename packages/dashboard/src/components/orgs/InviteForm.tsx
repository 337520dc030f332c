import { useState, type FormEvent } from 'react'
import type { CreatedInvitation, OrgRole, Organization } from '../../api'
import { useSession } from '../../session'
import { SecretDialog } from '../SecretDialog'
import { ErrorNote, Field } from '../ui'
import { useAction } from './useAction'

/**
 * Invites by email (shown to admins; the owner role offered to owners alone); shows the invitation token once, to hand to the invitee, in the dialog a key's secret has (copy,
 * a guard on closing), saying whether it was mailed: a line of text said neither (a new user's find).
 */
export function InviteForm({ org, onInvited }: { org: Organization; onInvited: () => void }) {
  const { api } = useSession()
  const [email, setEmail] = useState('')
  const [role, setRole] = useState<OrgRole>('member')
  const [created, setCreated] = useState<CreatedInvitation | null>(null)
  const { error, run } = useAction()
  const submit = (e: FormEvent) => {
    e.preventDefault()
    void run(async () => {
      setCreated(await api.invite(org.id, email.trim(), role))
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
      </form>
      <SecretDialog
        secret={created?.token ?? null}
        title={`Invitation for ${created?.invitation.email ?? ''}`}
        noun="invitation token"
        why={mailNote(created)}
        onDone={() => setCreated(null)}
      />
    </>
  )
}

/** Where the token went besides this dialog. */
function mailNote(c: CreatedInvitation | null): string {
  if (c?.mailed) return `Keyward mailed it to ${c.invitation.email} too, and stores only its hash.`
  return `No mail was sent (no mail server is configured): give it to ${c?.invitation.email ?? 'the invitee'} yourself. Keyward stores only its hash.`
}
