import type { Kysely } from 'kysely'
import { AuditRepository } from './audit-repository.js'
import type { Dialect } from './database.js'
import { bumpKeyChanges } from './key-changes.js'
import { appendKeyEvents } from './key-event-repository.js'
import { KeyRepository } from './key-repository.js'
import { holdKeysExclusive } from './live-producer.js'
import type { Database } from './schema.js'

/**
 * How the keys of a vanishing owner end: deleted with it (an organization), or revoked and
 * kept for audit (a deleted user's tombstone, `user-lifecycle-repository.ts`).
 */
export type OwnedKeysEnd = { kind: 'delete' } | { kind: 'revoke'; reason: string }

/**
 * Keys ended per transaction. On SQLite each chunk is one write transaction run synchronously
 * on the event loop, so a 20,000-key owner takes 200 short ones, with the loop free between
 * them, instead of one that blocks every request and every other writer until it ends.
 * Measured on a loaded 2-core machine (DESIGN.md, "Keys ending with their owner"): a chunk of
 * 500 held the loop 30–70 ms (reading the views, deleting, writing the events), one of 100 a
 * median 12 ms (p90 20, max 34).
 */
export function ownedKeysChunk(dialect: Dialect): number {
  // PostgreSQL runs the statements in its own process: only round trips cost, so chunks are larger.
  return dialect === 'sqlite' ? 100 : 500
}

/** What one chunk ended: how many keys, and the hashes every node's verify cache must drop. */
export interface EndedKeys {
  /** Keys selected to end (a full chunk: there may be more). */
  ended: number
  /** Of those, the keys this chunk ended: another transaction may have ended some first. */
  removed: number
  hashes: string[]
}

/**
 * Ends up to `limit` live keys of the actors `actorIds` (an owner, or an application's devices) inside `trx` and appends `key.deleted` or
 * `key.revoked` for each in that same transaction (the outbox rule: an event exists exactly when
 * its change committed; `key-event-repository.ts`). A deleted key's event carries its view just
 * before deletion; a revoked key's, its view after. The caller evicts the hashes after commit.
 * A key another transaction ended first gets no second event (the guard on the UPDATE/DELETE).
 * A revoked key also gets its `key.revoke` audit entry there (`auditRevocations`).
 */
export async function endOwnedKeys(
  trx: Kysely<Database>,
  dialect: Dialect,
  actorIds: readonly number[],
  end: OwnedKeysEnd,
  now: Date,
  limit = ownedKeysChunk(dialect),
): Promise<EndedKeys> {
  if (actorIds.length === 0) return { ended: 0, removed: 0, hashes: [] }
  let q = trx.selectFrom('api_key').select('id').where('actor_id', 'in', actorIds).orderBy('id').limit(limit)
  if (end.kind === 'revoke') q = q.where('revoked_at', 'is', null)
  const ids = (await q.execute()).map((r) => r.id)
  if (ids.length === 0) return { ended: 0, removed: 0, hashes: [] }
  await holdKeysExclusive(trx, dialect, ids) // a key minting in a loop cannot starve its owner's end (live-producer.ts)
  const keys = new KeyRepository(trx, dialect)
  const at = now.toISOString()
  const before = end.kind === 'delete' ? await keys.findByIds(ids) : []
  const rows =
    end.kind === 'delete'
      ? await trx
          .deleteFrom('api_key')
          .where('id', 'in', ids)
          .returning(['id', 'hash', 'previous_hash', 'actor_id'])
          .execute()
      : await trx
          .updateTable('api_key')
          .set({ revoked_at: at, revoked_reason: end.reason, updated_at: at })
          .where('id', 'in', ids)
          // Exactly once per key when two ends race (a retried DELETE and the sweeper, on two
          // nodes): PostgreSQL re-checks this on a row another transaction revoked meanwhile and
          // skips it, so only the rows this statement revoked get an event.
          .where('revoked_at', 'is', null)
          .returning(['id', 'hash', 'previous_hash', 'actor_id'])
          .execute()
  // An embedded verifier on SQLite learns of key changes from the counter, bumped in the change's own transaction
  // (`key-changes.ts`): bumped only after commit (the local bus), a node dying in between left its cache stale.
  if (dialect === 'sqlite' && rows.length > 0) await bumpKeyChanges(trx)
  const endedIds = new Set(rows.map((r) => r.id))
  const after = end.kind === 'delete' ? before.filter((k) => endedIds.has(k.id)) : await keys.findByIds([...endedIds])
  await appendKeyEvents(trx, end.kind === 'delete' ? 'key.deleted' : 'key.revoked', after, now)
  if (end.kind === 'revoke') await auditRevocations(trx, rows, end.reason, at)
  const hashes = rows.flatMap((r) => (r.previous_hash ? [r.hash, r.previous_hash] : [r.hash]))
  return { ended: ids.length, removed: rows.length, hashes }
}

/**
 * One `key.revoke` entry per key this chunk revoked, in its transaction, as Keyward's own act (no actor,
 * no address): a revoked key is kept for audit, and its page's history (`GET /v1/audit?target_id=`) said
 * nothing of its end, which only the owner's `user.delete` entry recorded. Deleted keys get none: their
 * pages are gone, and the owner's deletion entry records them.
 */
async function auditRevocations(
  trx: Kysely<Database>,
  revoked: readonly { id: number; actor_id: number }[],
  reason: string,
  at: string,
): Promise<void> {
  await new AuditRepository(trx).appendMany(
    revoked.map((k) => ({
      at,
      actorId: null,
      action: 'key.revoke',
      targetType: 'api_key',
      targetId: String(k.id),
      ownerActorId: k.actor_id,
      ip: null,
      details: { reason },
    })),
  )
}
