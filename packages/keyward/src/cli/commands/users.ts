import { type Command, Option } from 'commander'
import type { Role, User } from '@keyward/client'
import { fields, userTable, when } from '../output.js'
import { parse } from '../parse.js'
import { promptSecret } from '../prompt.js'
import { remoteAction, remoteOptions } from '../remote.js'
import { registerUserLifecycleCommands } from './user-lifecycle.js'

type Env = Record<string, string | undefined>

/** `keyward users create|list|get`, and the admin actions of `user-lifecycle.ts`. */
export function registerUserCommands(program: Command, env: Env): void {
  const users = program.command('users').description('manage users (creating and changing them needs an admin)')
  registerUserLifecycleCommands(users, env)

  remoteAction<{ email: string; password?: string; username?: string; role?: Role }>(
    remoteOptions(users.command('create').description('create a user'))
      .requiredOption('--email <email>', 'email address')
      .option('--password <password>', 'at least 8 characters (asked for without echo when missing)')
      .option('--username <name>', 'login name (default: from the email)')
      .addOption(new Option('--role <role>', 'default member').choices(['admin', 'member'])),
    env,
    async ({ client, out }, o) => {
      const password = o.password ?? (await promptSecret(`Password for ${o.email}: `))
      const u = await client.users.create({
        email: o.email,
        password,
        ...(o.username && { username: o.username }),
        ...(o.role && { role: o.role }),
      })
      out.result(u, () => out.line(userFields(u)))
    },
  )

  remoteAction<object, [string]>(
    remoteOptions(users.command('get').description('show one user').argument('<id>', 'user id', parse.id)),
    env,
    async ({ client, out }, _o, id) => {
      const u = await client.users.get(id)
      out.result(u, () => out.line(userFields(u)))
    },
  )

  remoteAction<{ limit?: number; passwordSetByKey?: number }>(
    remoteOptions(users.command('list').description('list users (members see only themselves)'))
      .option('--limit <n>', 'at most this many (default: all)', parse.positive)
      .option(
        '--password-set-by-key <id>',
        'only users whose password this key chose: what `keys revoke <id> --minted` clears (admins)',
        parse.id,
      ),
    env,
    async ({ client, out }, o) => {
      const all: User[] = []
      const filter = { limit: Math.min(o.limit ?? 500, 500), password_set_by_key_id: o.passwordSetByKey }
      for await (const u of client.users.iterate(filter)) {
        all.push(u)
        if (o.limit !== undefined && all.length >= o.limit) break
      }
      out.result({ users: all }, () => out.line(userTable(all)))
    },
  )
}

const userFields = (u: User) =>
  fields([
    ['id', String(u.id)],
    ['email', u.email],
    ['username', u.username],
    ['role', u.role],
    ['status', u.deactivated_at ? `deactivated ${when(u.deactivated_at)}` : 'active'],
    ['created', when(u.created_at)],
  ])
