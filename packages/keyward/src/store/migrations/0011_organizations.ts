import { type Kysely, type Migration, sql } from 'kysely'
import type { Dialect } from '../database.js'

/**
 * Organizations (issue 14): `organization` (an actor, so it can own keys; unique handle),
 * `organization_membership` (owner/admin/member/viewer), `organization_invitation` (hashed
 * tokens). Every existing user gets a personal organization (handle = username, which is
 * unique among users and so among these) where they are owner, and every application moves
 * into its owner's personal organization: its devices and keys follow it through the
 * application, so who sees what is unchanged by the migration.
 */
export function organizations(dialect: Dialect): Migration {
  const idType = dialect === 'postgres' ? 'serial' : 'integer'
  const pk = (c: any) => (dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement())
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('organization')
        .addColumn('id', idType, pk)
        .addColumn('actor_id', 'integer', (c) => c.notNull().unique().references('actor.id'))
        .addColumn('handle', 'text', (c) => c.notNull().unique())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('personal_user_id', 'integer', (c) => c.unique().references('user.id'))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute()
      await db.schema
        .createTable('organization_membership')
        .addColumn('id', idType, pk)
        .addColumn('organization_id', 'integer', (c) => c.notNull().references('organization.id').onDelete('cascade'))
        .addColumn('user_id', 'integer', (c) => c.notNull().references('user.id'))
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addUniqueConstraint('organization_membership_org_user_uq', ['organization_id', 'user_id'])
        .execute()
      await db.schema
        .createIndex('organization_membership_user_idx')
        .on('organization_membership')
        .column('user_id')
        .execute()
      await db.schema
        .createTable('organization_invitation')
        .addColumn('id', idType, pk)
        .addColumn('organization_id', 'integer', (c) => c.notNull().references('organization.id').onDelete('cascade'))
        .addColumn('email', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('token_hash', 'text', (c) => c.notNull().unique())
        .addColumn('invited_by_user_id', 'integer')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addColumn('accepted_at', 'text')
        .addColumn('accepted_by_user_id', 'integer')
        .addColumn('revoked_at', 'text')
        .execute()
      await db.schema
        .createIndex('organization_invitation_org_idx')
        .on('organization_invitation')
        .column('organization_id')
        .execute()
      await db.schema
        .alterTable('application')
        .addColumn('organization_id', 'integer', (c) => c.references('organization.id'))
        .execute()
      await personalOrganizations(db)
      await sql`update application set organization_id = (
        select o.id from organization o where o.personal_user_id = application.owner_user_id)`.execute(db)
      if (dialect === 'postgres')
        await sql`alter table application alter column organization_id set not null`.execute(db)
      await db.schema.createIndex('application_organization_idx').on('application').column('organization_id').execute()
    },
  }
}

/** One personal organization per user, owned by them: an actor, the organization, the membership. */
async function personalOrganizations(db: Kysely<any>): Promise<void> {
  const users: { id: number; username: string; created_at: string }[] = await db
    .selectFrom('user')
    .select(['id', 'username', 'created_at'])
    .orderBy('id')
    .execute()
  for (const u of users) {
    const actor = await db
      .insertInto('actor')
      .values({ kind: 'organization', created_at: u.created_at })
      .returning('id')
      .executeTakeFirstOrThrow()
    const org = await db
      .insertInto('organization')
      .values({
        actor_id: actor.id,
        handle: u.username,
        name: u.username,
        personal_user_id: u.id,
        created_at: u.created_at,
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    await db
      .insertInto('organization_membership')
      .values({ organization_id: org.id, user_id: u.id, role: 'owner', created_at: u.created_at })
      .execute()
  }
}
