import type { Device } from '@keyward/client'
import type { Command } from 'commander'
import { deviceTable, fields, when } from '../output.js'
import { UsageError, parse } from '../parse.js'
import { promptLine } from '../prompt.js'
import { remoteAction, remoteOptions } from '../remote.js'
import { inOrg } from './applications.js'

type Env = Record<string, string | undefined>

/** `keyward devices list|get|create|delete`. */
export function registerDeviceCommands(program: Command, env: Env): void {
  const devices = program.command('devices').description('manage devices')
  remoteAction<{ application?: string; org?: string }>(
    remoteOptions(devices.command('list').description('list the devices you can see'))
      .option('--application <id>', "only this application's devices", parse.id)
      .option('--org <handle|id>', "only the devices of this organization's applications"),
    env,
    async ({ client, out }, o) => {
      const app = o.application ? { application_id: Number(o.application) } : {}
      const all = await client.devices.all({ ...app, ...(await inOrg(client, o.org)) })
      out.result({ devices: all }, () => out.line(deviceTable(all)))
    },
  )
  remoteAction<object, [string]>(
    remoteOptions(devices.command('get').description('show one device').argument('<id|uuid>', 'device id or uuid')),
    env,
    async ({ client, out }, _o, ref) => {
      const d = await client.devices.find(/^\d+$/.test(ref) ? Number(ref) : ref)
      out.result(d, () =>
        out.line(
          fields([
            ['id', String(d.id)],
            ['name', d.name ?? '-'],
            ['uuid', d.uuid],
            ['application', String(d.application_id)],
            ['created', when(d.created_at)],
          ]),
        ),
      )
    },
  )
  remoteAction<{ application: string; name?: string }>(
    remoteOptions(devices.command('create').description('add a device to an application'))
      .requiredOption('--application <id>', 'application id', parse.id)
      .option('--name <name>', 'device name'),
    env,
    async ({ client, out }, o) => {
      const d = await client.devices.create({ application_id: Number(o.application), ...(o.name && { name: o.name }) })
      out.result(d, () => out.line(`Created device ${d.id} (${d.uuid}).`))
    },
  )
  registerDeviceDelete(devices, env)
}

/** `devices delete`: members of the device's organization and above, asked first on a terminal. */
function registerDeviceDelete(devices: Command, env: Env): void {
  remoteAction<{ yes?: boolean }, [string]>(
    remoteOptions(
      devices
        .command('delete')
        .description('delete a device with its keys; members of its organization and above')
        .argument('<id>', 'device id', parse.id),
    ).option('-y, --yes', 'do not ask for confirmation'),
    env,
    async ({ client, out }, o, id) => {
      if (!o.yes && process.stdin.isTTY) await confirmDelete(await client.devices.get(id))
      await client.devices.delete(id)
      out.result({ id: Number(id), deleted: true }, () => out.line(`Device ${id} is deleted.`))
    },
  )
}

/** Anything but "yes" cancels (exit 2, nothing changed): the device's keys stop working on the spot. */
async function confirmDelete(d: Device): Promise<void> {
  const answer = await promptLine(
    `Delete device ${d.name ?? d.uuid.slice(0, 7)} and all its keys? They stop working at once. Type yes to delete: `,
  )
  if (answer.trim().toLowerCase() !== 'yes') throw new UsageError('cancelled: the device was not deleted', false)
}
