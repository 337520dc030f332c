import { type Kysely, type Migration, sql } from 'kysely'

/** Passes at most: a slug freed by a later application's move is taken by an earlier one in the next pass. */
const MAX_PASSES = 16

/**
 * Renaming an organization left its applications' slugs under the old handle; another organization
 * could then take that handle and learn, from "already exists", which application names the renamed
 * one has (helper-118). Renames now move the slugs (`OrgRepository.update`); this moves the slugs of
 * organizations renamed before: each application's slug becomes `<handle>/<name>` lower-cased (as
 * `core/fleet-slug.ts` makes it; a migration keeps its own copy of the rule). A slug another
 * application already holds is left as it is (two applications of one name, made under two handles);
 * one that a later application's move frees is taken in the next pass (helper-122).
 */
export function fleetSlugs(): Migration {
  return {
    async up(db: Kysely<any>) {
      for (let pass = 0; pass < MAX_PASSES && (await moveSlugs(db)) > 0; pass++);
    },
    // Down is a no-op: the old slugs named a handle the organization no longer has.
    async down() {},
  }
}

/** One pass in id order: each slug that is not `<handle>/<name>` moves there when that is free. Returns how many moved. */
async function moveSlugs(db: Kysely<any>): Promise<number> {
  const apps = await sql<{ id: number; name: string; slug: string; handle: string }>`
    select a.id, a.name, a.slug, o.handle from application a join organization o on o.id = a.organization_id
    order by a.id`.execute(db)
  const taken = new Set(apps.rows.map((a) => a.slug))
  let moved = 0
  for (const a of apps.rows) {
    const slug = `${a.handle}/${a.name}`.toLowerCase()
    if (slug === a.slug || taken.has(slug)) continue
    await db.updateTable('application').set({ slug }).where('id', '=', a.id).execute()
    taken.delete(a.slug)
    taken.add(slug)
    moved++
  }
  return moved
}
