import type { KeywardClient } from '@keyward/client'
import type { Command } from 'commander'
import { applicationTable, fields, when } from '../output.js'
import { UsageError } from '../parse.js'
import { promptLine } from '../prompt.js'
import { remoteAction, remoteOptions } from '../remote.js'
import { orgRef } from './orgs.js'

type Env = Record<string, string | undefined>

/** `keyward applications list|get|create|rename|delete`: the owners of provisioning and device keys (balena fleets). */
export function registerApplicationCommands(program: Command, env: Env): void {
  const apps = program.command('applications').alias('apps').description('manage applications (fleets of devices)')
  remoteAction<{ org?: string }>(
    remoteOptions(apps.command('list').description('list the applications you can see')).option(
      '--org <handle|id>',
      "only this organization's applications",
    ),
    env,
    async ({ client, out }, o) => {
      const all = await client.applications.all(await inOrg(client, o.org))
      out.result({ applications: all }, () => out.line(applicationTable(all)))
    },
  )
  remoteAction<object, [string]>(
    remoteOptions(
      apps
        .command('get')
        .description('show one application')
        .argument('<id|slug|uuid>', 'application id, slug (owner/name) or uuid'),
    ),
    env,
    async ({ client, out }, _o, ref) => {
      const a = await findApp(client, ref)
      out.result(a, () =>
        out.line(
          fields([
            ['id', String(a.id)],
            ['name', a.name],
            ['slug', a.slug],
            ['uuid', a.uuid],
            ['created by', `user:${a.owner_user_id}`],
            ['created', when(a.created_at)],
          ]),
        ),
      )
    },
  )
  remoteAction<{ name: string; org?: string }>(
    remoteOptions(apps.command('create').description('create an application'))
      .requiredOption('--name <name>', NAME_RULE)
      .option('--org <handle|id>', 'the organization it belongs to (default: your personal one)'),
    env,
    async ({ client, out }, o) => {
      const a = await client.applications.create({ name: o.name, ...(await inOrg(client, o.org)) })
      out.result(a, () => out.line(`Created application ${a.id} (${a.slug}).`))
    },
  )
  registerApplicationChanges(apps, env)
}

/** `--org` as a filter or a place: the organization's id, looked up by handle or id; nothing when not given. */
export async function inOrg(client: KeywardClient, ref: string | undefined): Promise<{ organization_id?: number }> {
  return ref === undefined ? {} : { organization_id: (await client.organizations.get(orgRef(ref))).id }
}

const NAME_RULE = 'letters, digits, dots, underscores and hyphens, from a letter or digit'
const APP_REF = 'application id, slug (organization/name) or uuid'

/** An application named on the command line: by id, or by slug or uuid (the SDK finds them in any case). */
const findApp = (client: KeywardClient, ref: string) => client.applications.find(/^\d+$/.test(ref) ? Number(ref) : ref)

/** `applications rename|delete`: admins and owners of the application's organization. */
function registerApplicationChanges(apps: Command, env: Env): void {
  remoteAction<object, [string, string]>(
    remoteOptions(
      apps
        .command('rename')
        .description(
          "rename an application (its slug follows: <organization handle>/<name>); the organization's admins",
        )
        .argument('<id|slug|uuid>', APP_REF)
        .argument('<name>', NAME_RULE),
    ),
    env,
    async ({ client, out }, _o, ref, name) => {
      const a = await client.applications.rename((await findApp(client, ref)).id, name)
      out.result(a, () => out.line(`Renamed application ${a.id} to "${a.name}" (slug ${a.slug}).`))
    },
  )
  remoteAction<{ yes?: boolean }, [string]>(
    remoteOptions(
      apps
        .command('delete')
        .description("delete an application with its devices and every key of both; the organization's admins")
        .argument('<id|slug|uuid>', APP_REF),
    ).option('-y, --yes', 'do not ask for confirmation'),
    env,
    async ({ client, out }, o, ref) => {
      const app = await findApp(client, ref)
      if (!o.yes && process.stdin.isTTY) await confirmDelete(app.slug)
      await client.applications.delete(app.id)
      out.result({ id: app.id, deleted: true }, () => out.line(`Application ${app.id} (${app.slug}) is deleted.`))
    },
  )
}

/** Anything but the slug cancels (exit 2, nothing changed): a fleet's keys stop working on the spot. */
async function confirmDelete(slug: string): Promise<void> {
  const answer = await promptLine(
    `Delete application ${slug}, its devices and all their keys? They stop working at once. Type its slug to delete: `,
  )
  if (answer.trim() !== slug) throw new UsageError('cancelled: the application was not deleted', false)
}
