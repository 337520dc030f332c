import type { Command } from 'commander'
import { actorNames } from '../actor-names.js'
import { auditTable } from '../output.js'
import { type AuditTargetRef, parse } from '../parse.js'
import { remoteAction, remoteOptions } from '../remote.js'

type Env = Record<string, string | undefined>

/** `keyward audit`: the audit trail, newest first. */
export function registerAuditCommand(program: Command, env: Env): void {
  remoteAction<{ action?: string; target?: AuditTargetRef; limit?: number; before?: string }>(
    remoteOptions(program.command('audit').description('show the audit trail, newest first'))
      .option(
        '--action <action>',
        'only this action, e.g. key.revoke (a verb, not an event name; a wrong one lists them)',
      )
      .option(
        '--target <type:id>',
        'only events about this target, as the TARGET column shows it: api_key:3, user:1 (an id alone: every type with it)',
        parse.auditTarget,
      )
      .option('--limit <n>', 'how many (default 50, at most 500)', parse.upTo(500))
      .option('--before <id>', 'events older than this event id (paging)', parse.id),
    env,
    async ({ client, out }, o) => {
      const { events } = await client.audit.list({
        limit: Math.min(o.limit ?? 50, 500),
        ...(o.action && { action: o.action }),
        ...(o.target && { target_id: o.target.id, ...(o.target.type && { target_type: o.target.type }) }),
        ...(o.before && { before_id: Number(o.before) }),
      })
      const actor = out.json ? null : await actorNames(client, events) // names for the table only
      out.result({ events }, () => actor && out.line(auditTable(events, actor)))
    },
  )
}
