import { type Command, Argument } from 'commander'
import type { Role, User } from '@keyward/client'
import { fields, when } from '../output.js'
import { UsageError, parse } from '../parse.js'
import { promptLine, promptSecret } from '../prompt.js'
import { remoteAction, remoteOptions } from '../remote.js'

type Env = Record<string, string | undefined>

/** `keyward users set-role|deactivate|reactivate|reset-password|delete` (admins; issue 14). */
export function registerUserLifecycleCommands(users: Command, env: Env): void {
  const byId = (name: string, what: string) =>
    remoteOptions(users.command(name).description(what).argument('<id>', 'user id', parse.id))

  remoteAction<object, [string, Role]>(
    byId('set-role', "change a user's instance role (live sessions and keys see it at once)").addArgument(
      new Argument('<role>', 'the new role').choices(['admin', 'member']),
    ),
    env,
    async ({ client, out }, _o, id, role) => {
      const u = await client.users.setRole(id, role)
      out.result(u, () => out.line(lifecycleFields(u)))
    },
  )

  for (const step of ['deactivate', 'reactivate'] as const) {
    const what =
      step === 'deactivate'
        ? "end a user's sessions and refuse their keys until reactivated"
        : 'let a deactivated user log in again; their keys that were live verify again'
    remoteAction<object, [string]>(byId(step, what), env, async ({ client, out }, _o, id) => {
      const u = await client.users[step](id)
      out.result(u, () => out.line(lifecycleFields(u)))
    })
  }

  remoteAction<{ password?: string }, [string]>(
    byId('reset-password', "set a user's password (all their sessions end)").option(
      '--password <password>',
      'the new password, at least 8 characters (asked for without echo when missing)',
    ),
    env,
    async ({ client, out }, o, id) => {
      await client.users.resetPassword(id, o.password ?? (await promptSecret('New password: ')))
      out.result({ id: Number(id), password_reset: true }, () => out.line(`Password of user ${id} is reset.`))
    },
  )

  remoteAction<{ yes?: boolean }, [string]>(
    byId(
      'delete',
      "delete a user: their own keys revoked (kept), with what those keys' rolled-away secrets made in a grace period it cut short; sessions ended; email free again",
    ).option('-y, --yes', 'do not ask for confirmation'),
    env,
    async ({ client, out }, o, id) => {
      if (!o.yes && process.stdin.isTTY) await confirmDelete((await client.users.get(id)).email)
      await client.users.delete(id)
      out.result({ id: Number(id), deleted: true }, () => out.line(`User ${id} is deleted.`))
    },
  )
}

/** Anything but "yes" cancels (exit 2, nothing changed). */
async function confirmDelete(email: string): Promise<void> {
  const answer = await promptLine(`Delete user ${email}? Their own keys are revoked. Type yes to delete: `)
  if (answer.trim().toLowerCase() !== 'yes') throw new UsageError('cancelled: the user was not deleted', false)
}

const lifecycleFields = (u: User) =>
  fields([
    ['id', String(u.id)],
    ['email', u.email],
    ['role', u.role],
    ['status', u.deactivated_at ? `deactivated ${when(u.deactivated_at)}` : 'active'],
  ])
