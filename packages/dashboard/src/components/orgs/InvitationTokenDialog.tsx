import type { CreatedInvitation } from '../../api'
import { SecretDialog } from '../SecretDialog'

/**
 * An invitation token the server answered, once, in the dialog a key's secret has (copy, a guard on closing): a line
 * of text said neither that it is shown once nor where it went (a new user's find). The server answers one only
 * when it has no mail server, so the inviter is the one to hand it over.
 */
export function InvitationTokenDialog({ created, onDone }: { created: CreatedInvitation | null; onDone: () => void }) {
  const email = created?.invitation.email ?? ''
  return (
    <SecretDialog
      secret={created?.token ?? null}
      title={`Invitation for ${email}`}
      noun="invitation token"
      why={`No mail was sent (no mail server is configured): give it to ${email || 'the invitee'} yourself. Keyward stores only its hash.`}
      onDone={onDone}
    />
  )
}
