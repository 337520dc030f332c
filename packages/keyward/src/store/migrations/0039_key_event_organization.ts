import type { Kysely, Migration } from 'kysely'

/**
 * The organization a key event's key belonged to when the event was written (`key_event.organization_id`; null for
 * a person's own keys and for events written before it). Which members' webhooks hear of an event was read from the
 * rows that make its owner the organization's (`userActors`): an application's or a device's deletion removes those
 * rows with the keys, in the same transaction as their `key.deleted` events, so the organization's members heard of
 * none of them, or of whichever chunks were fanned out first. Members now also hear of the events of their
 * organizations by this column (`visibleEvents`); an organization being deleted still tells its members nothing
 * (migration 0017). No foreign key: the event outlives the organization.
 */
export function keyEventOrganization(): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('key_event').addColumn('organization_id', 'integer').execute()
    },
    async down(db: Kysely<any>) {
      await db.schema.alterTable('key_event').dropColumn('organization_id').execute()
    },
  }
}
