import type { Kysely } from 'kysely'
import type { Database } from './schema.js'

/**
 * The GitHub secret-scanning matches already acted on, each by a digest of what it says (the secret's hash,
 * where, what kind of place): a report sent again acts once. Read before acting and written after, so a report
 * whose action failed is acted on when GitHub retries it; two copies at once may both act (the same action twice,
 * before its owner could have undone it).
 */
export class LeakReportRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async seen(digest: string): Promise<boolean> {
    return (
      (await this.db.selectFrom('leak_report').select('digest').where('digest', '=', digest).executeTakeFirst()) !==
      undefined
    )
  }

  async record(digest: string, at: Date): Promise<void> {
    await this.db
      .insertInto('leak_report')
      .values({ digest, reported_at: at.toISOString() })
      .onConflict((oc) => oc.column('digest').doNothing())
      .execute()
  }
}
