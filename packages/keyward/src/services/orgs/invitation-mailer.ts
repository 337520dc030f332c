import { createTransport } from 'nodemailer'

/** What an invitation mail says; the token is in it because the mail is how the invitee receives it. */
export interface InvitationMail {
  to: string
  organization: string
  role: string
  token: string
  expiresAt: string
}

/** Sends invitation mails; `null` when `KEYWARD_SMTP_URL` is unset (then the token is answered to the inviter). */
export interface InvitationMailer {
  send(mail: InvitationMail): Promise<void>
  close(): void
}

/**
 * An SMTP mailer through `nodemailer`. The token appears only in the mail body, never in a log
 * line or an error: a failed send throws the SMTP error, which `InvitationService` answers as
 * `mail_failed` and logs with the token cut out.
 */
export function smtpMailer(url: string, from: string, publicUrl: string | null): InvitationMailer {
  const transport = createTransport(url)
  return {
    async send(m) {
      await transport.sendMail({
        from,
        to: m.to,
        subject: `You are invited to ${m.organization} on Keyward`,
        text: [
          `You are invited to join the organization "${m.organization}" as ${m.role}.`,
          `Accept it ${publicUrl ? `at ${publicUrl} or ` : ''}with: keyward orgs accept ${m.token}`,
          `Invitation token: ${m.token}`,
          `It expires at ${m.expiresAt}.`,
        ].join('\n\n'),
      })
    },
    close: () => transport.close(),
  }
}
