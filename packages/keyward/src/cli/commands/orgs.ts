import { type Command, Option } from 'commander'
import { type Invitation, type Member, type OrgRole, type Organization, createClient } from '@keyward/client'
import { fields, table, when } from '../output.js'
import { UsageError, parse } from '../parse.js'
import { promptLine, promptSecret } from '../prompt.js'
import { remoteAction, remoteOptions } from '../remote.js'

type Env = Record<string, string | undefined>
const ROLES = ['viewer', 'member', 'admin', 'owner']

/** `<org>`: a numeric id or a handle. */
/** An organization named on the command line: its id, or its handle. */
export const orgRef = (raw: string): number | string => (/^[1-9]\d*$/.test(raw) ? Number(raw) : raw)
const roleOption = (what: string) => new Option('--role <role>', what).choices(ROLES)

/** `keyward orgs list|get|create|update|delete|members|set-role|remove-member|invite|invitations|revoke-invitation|accept`. */
export function registerOrgCommands(program: Command, env: Env): void {
  const orgs = program.command('orgs').description('organizations, their members and invitations')
  const withOrg = (name: string, text: string) =>
    remoteOptions(orgs.command(name).description(text).argument('<org>', 'organization id or handle'))

  remoteAction(
    remoteOptions(orgs.command('list').description('organizations you belong to')),
    env,
    async ({ client, out }) => {
      const all = await client.organizations.list()
      out.result({ organizations: all }, () => out.line(orgTable(all)))
    },
  )
  remoteAction<object, [string]>(withOrg('get', 'show one organization'), env, async ({ client, out }, _o, ref) => {
    const o = await client.organizations.get(orgRef(ref))
    out.result(o, () => out.line(orgFields(o)))
  })
  remoteAction<{ name: string; handle: string }>(
    remoteOptions(orgs.command('create').description('create an organization (you become its owner)'))
      .requiredOption('--handle <handle>', 'unique, lower case: letters, digits, - and _')
      .requiredOption('--name <name>', 'display name'),
    env,
    async ({ client, out }, o) => {
      const created = await client.organizations.create({ name: o.name, handle: o.handle })
      out.result(created, () => out.line(orgFields(created)))
    },
  )
  registerOrgEdit(withOrg, env)
  registerMemberCommands(orgs, withOrg, env)
  registerInvitationCommands(orgs, withOrg, env)
}

/** `orgs update|delete`. */
function registerOrgEdit(withOrg: (name: string, text: string) => Command, env: Env): void {
  remoteAction<{ name?: string; handle?: string }, [string]>(
    withOrg('update', 'rename an organization (admins)')
      .option('--name <name>', 'new name')
      .option('--handle <handle>', "new handle (its applications' slugs follow it: <handle>/<name>)"),
    env,
    async ({ client, out }, o, ref) => {
      if (o.name === undefined && o.handle === undefined) throw new UsageError('give --name or --handle.')
      const u = await client.organizations.update(orgRef(ref), {
        ...(o.name && { name: o.name }),
        ...(o.handle && { handle: o.handle }),
      })
      out.result(u, () => out.line(orgFields(u)))
    },
  )
  remoteAction<{ yes?: boolean }, [string]>(
    withOrg('delete', 'delete an organization with no applications, and all its keys (owners)').option(
      '-y, --yes',
      'do not ask for confirmation',
    ),
    env,
    async ({ client, out }, o, ref) => {
      if (!o.yes && process.stdin.isTTY) await confirmDelete(await client.organizations.get(orgRef(ref)))
      await client.organizations.delete(orgRef(ref))
      out.result({ deleted: ref }, () => out.note(`Deleted organization ${ref}`))
    },
  )
}

/** Anything but the handle cancels (exit 2, nothing changed): every key of the organization goes (helper-125). */
async function confirmDelete(org: Organization): Promise<void> {
  const answer = await promptLine(
    `Delete organization ${org.handle} and all its keys? They stop working at once. Type its handle to delete: `,
  )
  if (answer.trim() !== org.handle) throw new UsageError('cancelled: the organization was not deleted', false)
}

/** `orgs members|set-role|remove-member`. */
function registerMemberCommands(orgs: Command, withOrg: (name: string, text: string) => Command, env: Env): void {
  remoteAction<object, [string]>(
    withOrg('members', 'list members and roles'),
    env,
    async ({ client, out }, _o, ref) => {
      const members = await client.organizations.members(orgRef(ref))
      out.result({ members }, () => out.line(memberTable(members)))
    },
  )
  remoteAction<{ role: OrgRole }, [string, string]>(
    withOrg('set-role', "change a member's role (owners make owners: transfer)")
      .argument('<user_id>', 'user id', parse.id)
      .addOption(roleOption('the new role').makeOptionMandatory()),
    env,
    async ({ client, out }, o, ref, userId) => {
      const m = await client.organizations.setRole(orgRef(ref), Number(userId), o.role)
      out.result(m, () => out.line(memberTable([m])))
    },
  )
  remoteAction<object, [string, string]>(
    withOrg('remove-member', 'remove a member (their sessions end; organization keys stay)').argument(
      '<user_id>',
      'user id',
      parse.id,
    ),
    env,
    async ({ client, out }, _o, ref, userId) => {
      await client.organizations.removeMember(orgRef(ref), Number(userId))
      out.result({ removed: userId }, () => out.note(`Removed user ${userId}`))
    },
  )
}

/** `orgs invite|invitations|revoke-invitation|accept`. */
function registerInvitationCommands(orgs: Command, withOrg: (name: string, text: string) => Command, env: Env): void {
  remoteAction<{ email: string; role: OrgRole }, [string]>(
    withOrg('invite', 'invite by email; prints the token once, or mails it (the server has a mail server)')
      .requiredOption('--email <email>', 'who to invite')
      .addOption(roleOption('their role').default('member')),
    env,
    async ({ client, out }, o, ref) => {
      const r = await client.organizations.invite(orgRef(ref), { email: o.email, role: o.role })
      out.result(r, () => {
        const what = `Invitation ${r.invitation.id} for ${r.invitation.email} (${r.invitation.role}), expires ${when(r.invitation.expires_at)}`
        // With a mail server the server answers no token: the invitee's mailbox is its only channel.
        if (r.token === null)
          return out.note(`${what}; mailed to ${r.invitation.email}: the token is only in that mail.`)
        out.line(r.token)
        out.note(
          `${what}; not mailed (no mail server is configured): give them the token. The token is shown only now.`,
        )
      })
    },
  )
  remoteAction<object, [string]>(
    withOrg('invitations', 'pending invitations (admins)'),
    env,
    async ({ client, out }, _o, ref) => {
      const all = await client.organizations.invitations(orgRef(ref))
      out.result({ invitations: all }, () => out.line(invitationTable(all)))
    },
  )
  remoteAction<object, [string, string]>(
    withOrg('revoke-invitation', 'revoke a pending invitation').argument('<id>', 'invitation id', parse.id),
    env,
    async ({ client, out }, _o, ref, id) => {
      await client.organizations.revokeInvitation(orgRef(ref), Number(id))
      out.result({ revoked: id }, () => out.note(`Revoked invitation ${id}`))
    },
  )
  registerAccept(orgs, env)
}

/** `orgs accept <token> [--new-account]`. */
function registerAccept(orgs: Command, env: Env): void {
  remoteAction<{ newAccount?: boolean }, [string]>(
    remoteOptions(
      orgs
        .command('accept')
        .description('accept an invitation (signed in, or --new-account)')
        .argument('<token>', 'the invitation token'),
    ).option('--new-account', 'open a new account for the invited email (asks for its password; sends no credential)'),
    env,
    async ({ client, config, out }, o, token) => {
      const password = o.newAccount ? await promptSecret('Password for the new account: ') : undefined
      // A new account has no credential yet: a stored session (someone else's, on a shared machine) would make the
      // server take that person as the acceptor and refuse the other email (a new user's find).
      const as = o.newAccount ? createClient({ url: config.url }) : client
      const r = await as.invitations.accept({ token, ...(password && { password }) })
      out.result(r, () =>
        out.note(`Joined organization ${r.invitation.organization_id} as ${r.invitation.role} (${r.user.email})`),
      )
    },
  )
}

/** Your role in it; an instance admin who is not a member sees every organization, with none. */
const yourRole = (o: Organization) => o.role ?? '(instance admin)'
const orgTable = (all: Organization[]) =>
  table(
    ['ID', 'HANDLE', 'NAME', 'PERSONAL', 'YOUR ROLE'],
    all.map((o) => [String(o.id), o.handle, o.name, o.personal ? 'yes' : '', yourRole(o)]),
  )
const orgFields = (o: Organization) =>
  fields([
    ['id', String(o.id)],
    ['handle', o.handle],
    ['name', o.name],
    ['personal', o.personal ? 'yes' : 'no'],
    ['your role', yourRole(o)],
    ['created', when(o.created_at)],
  ])
const memberTable = (all: Member[]) =>
  table(
    ['USER', 'EMAIL', 'ROLE', 'SINCE'],
    all.map((m) => [String(m.user_id), m.email, m.role, when(m.created_at)]),
  )
/** "no" says why an invitation in the list cannot be accepted: it expired, or its maker may no longer invite. */
const usableText = (i: Invitation) =>
  i.usable === undefined || i.usable
    ? 'yes'
    : Date.parse(i.expires_at) <= Date.now()
      ? 'no (expired)'
      : 'no (its inviter may no longer invite)'
const invitationTable = (all: Invitation[]) =>
  table(
    ['ID', 'EMAIL', 'ROLE', 'EXPIRES', 'USABLE'],
    all.map((i) => [String(i.id), i.email, i.role, when(i.expires_at), usableText(i)]),
  )
