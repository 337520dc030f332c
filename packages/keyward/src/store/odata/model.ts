import type { Database } from '../schema.js'

/**
 * The OData model the balena face exposes: balena's resource and field names
 * mapped onto Keyward's tables. Only what is listed here can be selected,
 * filtered, ordered or expanded; anything else is a 400 naming it.
 */
export type FieldType = 'integer' | 'text' | 'date'

export interface FieldDef {
  column: string
  type: FieldType
  /** An index orders this column (`$orderby` reads it instead of sorting; see limits.ts). */
  indexed?: true
  /** Never null: ordering needs no NULL-placement term, so the index order is usable as is. */
  notNull?: true
}

/**
 * A navigation: rows of `target` whose `targetColumn` equals this row's `sourceColumn`.
 * To-one navigations always point at the target's `id`, so their value is the foreign key.
 */
export interface NavDef {
  target: ResourceName
  sourceColumn: string
  targetColumn: string
  many: boolean
}

export type ResourceName =
  'api_key' | 'actor' | 'user' | 'application' | 'device' | 'organization' | 'organization_membership'

export interface ResourceDef {
  table: keyof Database
  /** Column naming the row's actor (visibility), or `id` for the actor table itself. */
  actorColumn: string
  /**
   * For rows that are not actors' (memberships): `actorColumn` holds the id of a row of `table`,
   * whose `actor_id` decides visibility (query.ts `visibility`).
   */
  actorVia?: { table: 'organization' }
  fields: Record<string, FieldDef>
  navs: Record<string, NavDef>
  /** Fields listed when no `$select` is given (to-one navigations render as `{"__id": n}`). */
  defaultSelect: string[]
  /** Column that must be null for a row to exist on this face (revoked keys are hidden). */
  hiddenUnless?: string
  /** Alternate keys accepted in the path, e.g. `device(uuid='…')`. */
  alternateKeys: string[]
}

const id: FieldDef = { column: 'id', type: 'integer', indexed: true, notNull: true }
const createdAt: FieldDef = { column: 'created_at', type: 'date', notNull: true }
/** api_key's created_at has an index `(created_at, id)`; the other tables' do not. */
const keyCreatedAt: FieldDef = { ...createdAt, indexed: true }
const toActor: NavDef = { target: 'actor', sourceColumn: 'actor_id', targetColumn: 'id', many: false }

export const MODEL: Record<ResourceName, ResourceDef> = {
  api_key: {
    table: 'api_key',
    actorColumn: 'actor_id',
    fields: {
      id,
      created_at: keyCreatedAt,
      modified_at: { column: 'updated_at', type: 'date', notNull: true },
      name: { column: 'name', type: 'text', indexed: true },
      description: { column: 'description', type: 'text' },
      expiry_date: { column: 'expires_at', type: 'date', indexed: true },
    },
    navs: { is_of__actor: toActor },
    defaultSelect: ['id', 'created_at', 'modified_at', 'name', 'description', 'expiry_date', 'is_of__actor'],
    hiddenUnless: 'revoked_at',
    alternateKeys: [],
  },
  actor: {
    table: 'actor',
    actorColumn: 'id',
    fields: { id, created_at: createdAt },
    navs: {
      is_of__user: { target: 'user', sourceColumn: 'id', targetColumn: 'actor_id', many: true },
      is_of__application: { target: 'application', sourceColumn: 'id', targetColumn: 'actor_id', many: true },
      is_of__device: { target: 'device', sourceColumn: 'id', targetColumn: 'actor_id', many: true },
      api_key: { target: 'api_key', sourceColumn: 'id', targetColumn: 'actor_id', many: true },
    },
    defaultSelect: ['id', 'created_at'],
    alternateKeys: [],
  },
  user: {
    table: 'user',
    actorColumn: 'actor_id',
    fields: {
      id,
      created_at: createdAt,
      username: { column: 'username', type: 'text', indexed: true, notNull: true },
      email: { column: 'email', type: 'text', indexed: true, notNull: true },
    },
    navs: { actor: toActor },
    defaultSelect: ['id', 'created_at', 'actor', 'username', 'email'],
    alternateKeys: [],
  },
  application: {
    table: 'application',
    actorColumn: 'actor_id',
    fields: {
      id,
      created_at: createdAt,
      uuid: { column: 'uuid', type: 'text', indexed: true, notNull: true },
      slug: { column: 'slug', type: 'text', indexed: true, notNull: true },
      app_name: { column: 'name', type: 'text' },
    },
    navs: {
      actor: toActor,
      owns__device: { target: 'device', sourceColumn: 'id', targetColumn: 'application_id', many: true },
      organization: { target: 'organization', sourceColumn: 'organization_id', targetColumn: 'id', many: false },
    },
    defaultSelect: ['id', 'created_at', 'actor', 'uuid', 'slug', 'app_name', 'organization'],
    alternateKeys: ['uuid', 'slug'],
  },
  device: {
    table: 'device',
    actorColumn: 'actor_id',
    fields: {
      id,
      created_at: createdAt,
      uuid: { column: 'uuid', type: 'text', indexed: true, notNull: true },
      device_name: { column: 'name', type: 'text' },
    },
    navs: {
      actor: toActor,
      belongs_to__application: {
        target: 'application',
        sourceColumn: 'application_id',
        targetColumn: 'id',
        many: false,
      },
    },
    defaultSelect: ['id', 'created_at', 'actor', 'uuid', 'device_name', 'belongs_to__application'],
    alternateKeys: ['uuid'],
  },
  // Organizations (issue 14) under balena's names: `organization(handle='…')`, `application?$filter=organization eq n`.
  organization: {
    table: 'organization',
    actorColumn: 'actor_id',
    fields: {
      id,
      created_at: createdAt,
      handle: { column: 'handle', type: 'text', indexed: true, notNull: true },
      name: { column: 'name', type: 'text', notNull: true },
    },
    navs: {
      actor: toActor,
      application: { target: 'application', sourceColumn: 'id', targetColumn: 'organization_id', many: true },
      organization_membership: {
        target: 'organization_membership',
        sourceColumn: 'id',
        targetColumn: 'organization_id',
        many: true,
      },
    },
    defaultSelect: ['id', 'created_at', 'handle', 'name'],
    alternateKeys: ['handle'],
  },
  // Balena names the role through `organization_membership_role`; here it is the plain text field `role`.
  organization_membership: {
    table: 'organization_membership',
    actorColumn: 'organization_id',
    actorVia: { table: 'organization' },
    fields: {
      id,
      created_at: createdAt,
      role: { column: 'role', type: 'text', notNull: true },
    },
    navs: {
      user: { target: 'user', sourceColumn: 'user_id', targetColumn: 'id', many: false },
      is_member_of__organization: {
        target: 'organization',
        sourceColumn: 'organization_id',
        targetColumn: 'id',
        many: false,
      },
    },
    defaultSelect: ['id', 'created_at', 'user', 'is_member_of__organization', 'role'],
    alternateKeys: [],
  },
}

/** The resource definition for a name from a URL, if it is one we serve. */
export function resourceDef(name: string): ResourceDef | undefined {
  return Object.hasOwn(MODEL, name) ? MODEL[name as ResourceName] : undefined
}
