import type { AuditEvent, KeywardClient } from '@keyward/client'

/** The audit table's ACTOR column: who made an entry, in words. */
export type ActorName = (e: AuditEvent) => string

/** As many of each kind as one page holds (the API's cap); the dashboard names actors from the same pages. */
const NAMED = { limit: 500 }

/**
 * Names audit entries' actors as the dashboard does (`directory.tsx`): from the users, applications and devices
 * the caller may list (a member lists only themselves). The column showed bare actor ids, which no other command
 * shows (a new user's find). One not found stays `actor #id`; a listing refused leaves ids. No actor is Keyward's
 * own act when `automatic` (the first admin, a sweeper, a deletion's cascade), else an anonymous caller's (a failed
 * login, a leak report). Asks nothing when no entry has an actor.
 */
export async function actorNames(client: KeywardClient, events: readonly AuditEvent[]): Promise<ActorName> {
  const names = new Map<number, string>()
  if (events.some((e) => e.actor_id !== null)) {
    const [users, apps, devices] = await Promise.all([
      client.users.list(NAMED).then(
        (r) => r.users,
        () => [],
      ),
      client.applications.list(NAMED).then(
        (r) => r.applications,
        () => [],
      ),
      client.devices.list(NAMED).then(
        (r) => r.devices,
        () => [],
      ),
    ])
    for (const u of users) names.set(u.actor_id, `user ${u.email}`)
    for (const a of apps) names.set(a.actor_id, `application ${a.slug}`)
    for (const d of devices) names.set(d.actor_id, `device ${d.uuid.slice(0, 7)}`)
  }
  return (e) => {
    if (e.actor_id === null) return e.automatic ? 'keyward (automatic)' : 'anonymous'
    return names.get(e.actor_id) ?? `actor #${e.actor_id}`
  }
}
