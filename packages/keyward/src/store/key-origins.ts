import { setImmediate as nextTurn } from 'node:timers/promises'
import { type Kysely, type RawBuilder, type SqlBool, sql } from 'kysely'
import { KeywardError } from '../core/errors.js'
import { type Maker, type Origin, isSecret } from '../core/producer.js'
import { madeByKeys } from './key-search.js'
import type { Database, OriginOf } from './schema.js'

/**
 * A key's line beyond its maker columns (`api_key_origin`, migration 0033). The columns name one maker each: the
 * key that created it (`created_by_key_id`), the key that rolled its current or rolled-away secret
 * (`secret_made_by_key_id`, `previous_secret_made_by_key_id`). A secret's maker used a secret of its own, which a
 * key further up may have made; the columns forgot that once the owner rolled the middle key again. So K rolls R
 * (K's holder knows R's new secret S), S creates Y, R's owner rolls R: `revoke {minted: true}` of K reached R no
 * more, nor Y through it (an attacker's find, long "not followed" in docs/security.md).
 * Invariants:
 * 1. Each secret's origins are the keys it was made through: its maker (the column) and that maker's secret's
 *    origins at that moment (`secretOrigins`), so the set is whole at any depth. A key's own origins (`key`) are
 *    those of the secret that created it; they last as long as the key, as `created_by_key_id` does.
 * 2. Written in the transaction that makes the key or the secret, after the producer's live check
 *    (`requireLiveProducer`), whose lock a roll of the producer also takes, and which refuses (401) a secret that is
 *    no longer the key's: the origins read are those of the secret that authenticated. (Without that, creates queued
 *    behind the owner's roll recorded the new secret's empty line: an attacker's find.)
 * 3. A roll moves them with the secrets (`KeyOrigins.roll`): the current secret's to `previous` while a grace period
 *    runs, the new secret's from its maker; a key rolling itself hands the new secret to whoever held the old one,
 *    so it keeps the old one's (as its maker column does). An owner's roll gives the new secret none.
 * 4. `inLineOf` is the cascade's reading of them with the columns (`KeyLineageRepository`, `KeyRepository.madeAny`;
 *    `descendsFrom` walks them up); `?made_by_key_id=` lists by the columns only (what a key made itself).
 * 5. A password a key chose (`user.password_set_by_key_id`) keeps that key's current secret's origins
 *    (`recordPasswordOrigins`, in the transaction that writes the password; any later password replaces them), and
 *    the revoke of any of them clears it (`passwordsChosenBy`): a stolen secret's password, like its keys.
 * 6. A secret is made through at most `MAX_LINE` keys (`boundedLine`): a chain of rolls, each key's new secret
 *    rolling the next, grew every product's set with its depth, and 1,000 keys imported at depth 800 wrote 800,000
 *    rows and stalled a SQLite server for 5 s (an attacker's find). Deeper, the secret makes nothing (409) until
 *    its key's owner rolls it; no key a real deployment rolls is made that far down.
 * 7. A login opened with a password a key chose (`Principal.passwordLine`) was made through that key and its
 *    line (`passwordLineOf`, read at the login, confirmed with the password's hash after it is stored): what it
 *    makes keeps them (`makerLine`), as what a secret makes keeps the secret's, while the login's stored
 *    credential is (`isLiveMaker`). A revoke clearing that password ends the login and then takes what it made
 *    meanwhile (`KeyLineage`'s last pass). Else a password a leaked key set signed in, and that session's keys,
 *    rolled secrets and password changes outlived the key's revoke (an attacker's find). A password changed
 *    through such a login keeps its line: the changer is whoever knew the old one.
 * A key is never its own origin (a roll cycle: K rolls R, R rolls K).
 */
export class KeyOrigins {
  constructor(private readonly db: Kysely<Database>) {}

  /** Keys `ids`, just made by `maker` (a key's current or rolled-away secret, or a login), keep its line. */
  async inherit(ids: readonly number[], maker: Maker): Promise<void> {
    await this.insert(ids, 'key', await makerLine(this.db, maker))
  }

  /**
   * Key `id` was rolled (invariant 3): by `maker` (null: its owner with a login no key chose); `self`: by itself;
   * `grace`: the replaced secret still works for a while.
   */
  async roll(id: number, maker: Maker | null, self: boolean, grace: boolean): Promise<void> {
    await this.db.deleteFrom('api_key_origin').where('key_id', '=', id).where('part', '=', 'previous').execute()
    if (grace)
      await this.db
        .insertInto('api_key_origin')
        .columns(['key_id', 'part', 'origin_key_id'])
        .expression((eb) =>
          eb
            .selectFrom('api_key_origin')
            .select(['key_id', sql<OriginOf>`'previous'`.as('part'), 'origin_key_id'])
            .where('key_id', '=', id)
            .where('part', '=', 'secret'),
        )
        .execute()
    if (self) return
    await this.db.deleteFrom('api_key_origin').where('key_id', '=', id).where('part', '=', 'secret').execute()
    if (maker !== null) await this.insert([id], 'secret', await makerLine(this.db, maker))
  }

  /** At most `MAX_LINE` rows a key (`boundedLine`): an import of 1,000 keys writes at most 16,000, a loop turn per 1,000. */
  private async insert(ids: readonly number[], part: OriginOf, origins: readonly number[]): Promise<void> {
    const rows = ids.flatMap((id) =>
      origins.filter((o) => o !== id).map((o) => ({ key_id: id, part, origin_key_id: o })),
    )
    for (let i = 0; i < rows.length; i += 1000) {
      if (i > 0) await nextTurn() // on SQLite a statement holds the loop (as `insertMany`'s chunks)
      await this.db
        .insertInto('api_key_origin')
        .values(rows.slice(i, i + 1000))
        .execute()
    }
  }
}

/**
 * "The api_key row `alias` was made by one of `makers`" (`madeByKeys`: created by one, or holding a secret one rolled
 * that still works at `now`) "or through one" (invariant 4: the key, its current secret, or its rolled-away one while
 * its grace period runs). One `in` over a union whose arms are each index ranges (`api_key_created_by_key_idx` and
 * the secret makers', `api_key_origin_by_origin`): as an `or` beside the column arms, the subquery is no index
 * condition, and PostgreSQL read every key.
 */
export function inLineOf(alias: string, makers: readonly number[], now: string): RawBuilder<SqlBool> {
  const live = sql`(o.part <> 'previous' or (k.previous_hash is not null and k.previous_hash_expires_at > ${now}))`
  return sql<SqlBool>`(${sql.ref(`${alias}.id`)} in (
    select k.id from api_key k where ${madeByKeys('k', makers, now)}
    union
    select o.key_id from api_key_origin o join api_key k on k.id = o.key_id
      where o.origin_key_id in (${sql.join(makers)}) and ${live}))`
}

/**
 * The keys what `maker` makes is made through beyond its maker column: a secret's origins (invariant 1: the column
 * names the key itself), or a login's whole line (invariant 7: no column names a login).
 */
async function makerLine(db: Kysely<Database>, maker: Maker): Promise<number[]> {
  if (!isSecret(maker)) return boundedLine([...maker.keys])
  return boundedLine(await secretOrigins(db, maker.keyId, maker.graceEnd !== undefined))
}

/**
 * Every key what `maker` makes is made through: a secret's own key and its origins, or a login's line. What a
 * configured webhook keeps (`WebhookRepository`): the secret it was shown, and where it sends, came through them.
 */
export async function lineThrough(db: Kysely<Database>, maker: Maker): Promise<number[]> {
  const beyond = await makerLine(db, maker)
  return isSecret(maker) ? [...new Set([maker.keyId, ...beyond])] : beyond
}

/** The keys key `makerId`'s current secret (or its rolled-away one, `previous`) was made through (invariant 1). */
async function secretOrigins(db: Kysely<Database>, makerId: number, previous: boolean): Promise<number[]> {
  const column = previous ? 'previous_secret_made_by_key_id' : 'secret_made_by_key_id'
  const maker = await db.selectFrom('api_key').select(column).where('id', '=', makerId).executeTakeFirst()
  const rows = await db
    .selectFrom('api_key_origin')
    .select('origin_key_id')
    .where('key_id', '=', makerId)
    .where('part', '=', previous ? 'previous' : 'secret')
    .execute()
  return lineFrom(maker?.[column] ?? null, rows)
}

/**
 * User `userId`'s password was just set (invariant 5) by `maker` (null: by nothing a key made): a key, whose id is
 * the user's `password_set_by_key_id` and whose current secret's origins it keeps; or a login, whose line it keeps
 * (invariant 7). Whatever an earlier password kept goes.
 */
export async function recordPasswordOrigins(db: Kysely<Database>, userId: number, maker: Origin | null): Promise<void> {
  await db.deleteFrom('user_password_origin').where('user_id', '=', userId).execute()
  if (maker === null) return
  const origins = isSecret(maker)
    ? (await secretOrigins(db, maker.keyId, false)).filter((o) => o !== maker.keyId)
    : [...new Set(maker.keys)]
  if (origins.length > 0)
    await db
      .insertInto('user_password_origin')
      .values(origins.map((o) => ({ user_id: userId, origin_key_id: o })))
      .execute()
}

/** The keys user `userId`'s current password was made through (invariant 7): the key that chose it, and its origins. */
export async function passwordLineOf(db: Kysely<Database>, userId: number): Promise<number[]> {
  const user = await db.selectFrom('user').select('password_set_by_key_id').where('id', '=', userId).executeTakeFirst()
  const rows = await db
    .selectFrom('user_password_origin')
    .select('origin_key_id')
    .where('user_id', '=', userId)
    .execute()
  return lineFrom(user?.password_set_by_key_id ?? null, rows)
}

/** A maker column's key (null: none) and the origin rows beyond it, as one set of key ids. */
function lineFrom(direct: number | null, rows: readonly { origin_key_id: number }[]): number[] {
  return [...new Set([...(direct === null ? [] : [direct]), ...rows.map((r) => r.origin_key_id)])]
}

/**
 * "The user row `alias`'s password was chosen by one of `makers`" (`password_set_by_key_id`) "or through one"
 * (invariant 5): one `in` over a union of index ranges, as `inLineOf`.
 */
export function passwordsChosenBy(alias: string, makers: readonly number[]): RawBuilder<SqlBool> {
  const ids = sql.join(makers)
  return sql<SqlBool>`(${sql.ref(`${alias}.id`)} in (
    select id from "user" where password_set_by_key_id in (${ids})
    union
    select user_id from user_password_origin where origin_key_id in (${ids})))`
}

/** How many keys a secret may have been made through (invariant 6). */
export const MAX_LINE = 16

/** `origins`, refused (409) when the secret they describe is too far down a line of rolls (invariant 6). */
function boundedLine(origins: number[]): number[] {
  if (origins.length < MAX_LINE) return origins
  throw new KeywardError(
    'conflict',
    `the secret making this was made through ${origins.length} keys, each rolling the next; Keyward follows at most ${MAX_LINE}: its key's owner must roll it first`,
  )
}
