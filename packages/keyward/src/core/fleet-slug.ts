/**
 * An application's slug (balena's fleet slug): `<organization handle>/<name>`, lower-cased. It follows
 * the handle: renaming an organization renames its slugs (`OrgRepository.update`), or the old handle,
 * free for another organization to take, answered "already exists" for its names across tenants.
 */
export const fleetSlug = (handle: string, name: string): string => `${handle}/${name}`.toLowerCase()
