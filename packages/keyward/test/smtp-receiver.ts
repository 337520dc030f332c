import type { AddressInfo } from 'node:net'
import { SMTPServer } from 'smtp-server'

/** A mail as the receiver got it: its envelope recipients and its body (quoted-printable soft breaks undone). */
export interface ReceivedMail {
  to: string[]
  body: string
}

/** A real SMTP server on a free local port (`smtp-server`), for `KEYWARD_SMTP_URL`. */
export interface SmtpReceiver {
  /** `smtp://127.0.0.1:<port>` */
  url: string
  mails: ReceivedMail[]
  /** The invitation token of the last mail to `email`, if one came. */
  tokenFor(email: string): string | undefined
  close(): Promise<void>
}

/** Starts a receiver; `refuse` names recipients it answers 550 at RCPT TO (a mailbox the server does not take). */
export async function smtpReceiver(opts: { refuse?: (address: string) => boolean } = {}): Promise<SmtpReceiver> {
  const mails: ReceivedMail[] = []
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onRcptTo(address, _session, done) {
      if (opts.refuse?.(address.address))
        return done(Object.assign(new Error('no such mailbox'), { responseCode: 550 }))
      done()
    },
    onData(stream, session, done) {
      let body = ''
      stream.on('data', (c: Buffer) => (body += c.toString('utf8')))
      stream.on('end', () => {
        // Undo quoted-printable soft line breaks: the token may be wrapped.
        mails.push({ to: session.envelope.rcptTo.map((r) => r.address), body: body.replace(/=\r?\n/g, '') })
        done()
      })
    },
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.server.address() as AddressInfo).port
  return {
    url: `smtp://127.0.0.1:${port}`,
    mails,
    tokenFor: (email) =>
      mails
        .filter((m) => m.to.includes(email))
        .map((m) => /kwinv_[A-Za-z0-9]+/.exec(m.body)?.[0])
        .at(-1),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
