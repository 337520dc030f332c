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
 * How long an invitation's request may wait on the mail server (ms). The send is awaited (the answer says whether
 * it was mailed), and nodemailer's defaults let a server that accepts the connection and then stalls hold the request
 * 30 s for its greeting and 10 minutes for each reply. Query parameters of `KEYWARD_SMTP_URL` (`?socketTimeout=`)
 * override these: nodemailer lets the URL's options win.
 */
const SMTP_TIMEOUTS = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 20_000 }

/**
 * An SMTP mailer through `nodemailer`. The token appears only in the mail body, never in a log
 * line or an error: a failed send throws the SMTP error, which `InvitationService` answers as
 * `mail_failed` and logs with the token cut out.
 */
export function smtpMailer(url: string, from: string, publicUrl: string | null): InvitationMailer {
  const transport = createTransport({ url, ...SMTP_TIMEOUTS })
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
