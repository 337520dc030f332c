import type { Command } from 'commander'
import type { Session } from '@keyward/client'
import { table, when } from '../output.js'
import { parse } from '../parse.js'
import { promptSecret } from '../prompt.js'
import { remoteAction, remoteOptions } from '../remote.js'

type Env = Record<string, string | undefined>

/** `keyward auth password` and `keyward auth sessions [--end <id>]`: your own account (issue 14). */
export function registerAccountCommands(program: Command, env: Env): void {
  const auth = program.command('auth').description('your password and sessions')

  remoteAction<{ current?: string; new?: string }>(
    remoteOptions(
      auth.command('password').description('change your password (your other sessions end; this one stays)'),
    )
      .option('--current <password>', 'your current password (asked for without echo when missing)')
      .option('--new <password>', 'the new password, at least 8 characters (asked for when missing)'),
    env,
    async ({ client, out }, o) => {
      const current = o.current ?? (await promptSecret('Current password: '))
      const next = o.new ?? (await promptSecret('New password: '))
      await client.auth.changePassword({ current_password: current, new_password: next })
      out.result({ password_changed: true }, () => out.line('Password changed; your other sessions have ended.'))
    },
  )

  remoteAction<{ end?: string }>(
    remoteOptions(auth.command('sessions').description('list your sessions, or end one')).option(
      '--end <id>',
      'end this session (one of yours)',
      parse.id,
    ),
    env,
    async ({ client, out }, o) => {
      if (o.end !== undefined) {
        await client.auth.sessions.end(o.end)
        return out.result({ id: Number(o.end), ended: true }, () => out.line(`Session ${o.end} has ended.`))
      }
      const sessions = await client.auth.sessions.list()
      out.result({ sessions }, () => out.line(sessionTable(sessions)))
    },
  )
}

function sessionTable(sessions: Session[]): string {
  return table(
    ['ID', 'CREATED', 'LAST USED', 'IP', 'USER AGENT', ''],
    sessions.map((s) => [
      String(s.id),
      when(s.created_at),
      when(s.last_used_at),
      s.ip ?? '',
      (s.user_agent ?? '').slice(0, 40),
      s.current ? '(this one)' : '',
    ]),
  )
}
