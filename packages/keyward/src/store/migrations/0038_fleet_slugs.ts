import { type Kysely, type Migration, sql } from 'kysely'

/**
 * Renaming an organization left its applications' slugs under the old handle; another organization
 * could then take that handle and learn, from "already exists", which application names the renamed
 * one has (helper-118). Renames now move the slugs (`OrgRepository.update`); this moves the slugs of
 * organizations renamed before: each application's slug becomes `<handle>/<name>` lower-cased (as
 * `core/fleet-slug.ts` makes it; a migration keeps its own copy of the rule). A slug another
 * application already holds is left as it is (two applications of one name, made under two handles).
 */
export function fleetSlugs(): Migration {
  return {
    async up(db: Kysely<any>) {
      const apps = await sql<{ id: number; name: string; slug: string; handle: string }>`
        select a.id, a.name, a.slug, o.handle from application a join organization o on o.id = a.organization_id
        order by a.id`.execute(db)
      const taken = new Set(apps.rows.map((a) => a.slug))
      for (const a of apps.rows) {
        const slug = `${a.handle}/${a.name}`.toLowerCase()
        if (slug === a.slug || taken.has(slug)) continue
        await db.updateTable('application').set({ slug }).where('id', '=', a.id).execute()
        taken.delete(a.slug)
        taken.add(slug)
      }
    },
    // Down is a no-op: the old slugs named a handle the organization no longer has.
    async down() {},
  }
}
