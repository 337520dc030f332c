import { KeywardError } from './errors.js'
import { byIdPages, collect } from './pagination.js'
import { type Transport, idPath } from './transport.js'
import type {
  Application,
  AuditEvent,
  AuditFilter,
  CreateApplicationInput,
  CreateDeviceInput,
  CreateUserInput,
  Device,
  ListApplicationsFilter,
  ListDevicesFilter,
  ListUsersFilter,
  PageOptions,
  Role,
  User,
} from './types.js'

/**
 * A newest-first list of the native API (`GET <path>` → `{ <field>: T[] }`, paged by `limit` and
 * `before_id`). The users, applications, devices and audit clients are this shape.
 */
export class Listing<K extends string, T extends { id: number }, F extends PageOptions = PageOptions> {
  constructor(
    protected readonly http: Transport,
    protected readonly path: string,
    private readonly field: K,
  ) {}

  /** One page, newest first. */
  list(filter: F = {} as F): Promise<Record<K, T[]>> {
    return this.http.request('GET', this.path, { query: { ...(filter as PageOptions) } })
  }

  /** Every row matching the filter, page after page (`filter.limit` is the page size). */
  iterate(filter: F = {} as F): AsyncGenerator<T, void, undefined> {
    return byIdPages(async (f) => (await this.list(f))[this.field], filter)
  }

  /** Every row matching the filter, as one array. */
  all(filter: F = {} as F): Promise<T[]> {
    return collect(this.iterate(filter))
  }
}

/** A {@link Listing} whose rows can also be created and read one by one. */
export class Collection<
  K extends string,
  T extends { id: number },
  C,
  F extends PageOptions = PageOptions,
> extends Listing<K, T, F> {
  /** Creates a row; answers it as stored. */
  create(input: C): Promise<T> {
    return this.http.request<T>('POST', this.path, { body: input })
  }

  /** One row by id; `not_found` (404) when missing or not the caller's to see. */
  get(id: number | string): Promise<T> {
    return this.http.request<T>('GET', idPath(this.path, id))
  }
}

/**
 * Users: `kw.users`. Members see only themselves; only admins create and change users.
 * Touching an admin (or making one) takes full admin rights; `last_admin` (409) refuses a
 * change that would leave no active admin.
 */
export class Users extends Collection<'users', User, CreateUserInput, ListUsersFilter> {
  constructor(http: Transport) {
    super(http, '/v1/users', 'users')
  }

  /** Changes a user's instance role; their live sessions and keys hold the new one at once. */
  setRole(id: number | string, role: Role): Promise<User> {
    return this.http.request<User>('PATCH', idPath(this.path, id), { body: { role } })
  }

  /** Sets a user's password; every session of theirs ends. */
  resetPassword(id: number | string, newPassword: string): Promise<void> {
    return this.http.request<void>('POST', `${idPath(this.path, id)}/password`, { body: { new_password: newPassword } })
  }

  /** Ends the user's sessions and refuses their keys (`DISABLED`) until reactivated; login answers `account_deactivated`. */
  deactivate(id: number | string): Promise<User> {
    return this.http.request<User>('POST', `${idPath(this.path, id)}/deactivate`)
  }

  /** Lifts a deactivation: keys that were live verify again. */
  reactivate(id: number | string): Promise<User> {
    return this.http.request<User>('POST', `${idPath(this.path, id)}/reactivate`)
  }

  /** Deletes a user: their personal keys are revoked (kept for audit), sessions end, the email is free again. */
  delete(id: number | string): Promise<void> {
    return this.http.request<void>('DELETE', idPath(this.path, id))
  }
}

/** Applications (balena fleets), which own provisioning keys: `kw.applications`. */
export class Applications extends Collection<
  'applications',
  Application,
  CreateApplicationInput,
  ListApplicationsFilter
> {
  constructor(http: Transport) {
    super(http, '/v1/applications', 'applications')
  }

  /** An application by id, uuid or slug (`owner/name`), as balena accepts them. */
  async find(slugOrUuidOrId: string | number): Promise<Application> {
    if (isId(slugOrUuidOrId)) return this.get(slugOrUuidOrId)
    const ref = String(slugOrUuidOrId)
    const wanted = ref.toLowerCase() // slugs and uuids are lower case on the server; balena finds them in any case
    return findIn(this.iterate({ limit: 500 }), (a) => a.uuid === wanted || a.slug === wanted, `application "${ref}"`)
  }

  /**
   * Renames an application; its slug becomes `<organization handle>/<name>`. Admins and owners of its
   * organization; `conflict` (409) when the organization has an application of that name, case aside.
   */
  rename(id: number | string, name: string): Promise<Application> {
    return this.http.request<Application>('PATCH', idPath(this.path, id), { body: { name } })
  }

  /**
   * Deletes an application with its devices and every key of both (each a `key.deleted` webhook event);
   * they stop verifying on every node. Admins and owners of its organization.
   */
  delete(id: number | string): Promise<void> {
    return this.http.request<void>('DELETE', idPath(this.path, id))
  }
}

/** Devices of applications, which own device keys: `kw.devices`. */
export class Devices extends Collection<'devices', Device, CreateDeviceInput, ListDevicesFilter> {
  constructor(http: Transport) {
    super(http, '/v1/devices', 'devices')
  }

  /** A device by id or uuid, as balena accepts them. */
  async find(uuidOrId: string | number): Promise<Device> {
    if (isId(uuidOrId)) return this.get(uuidOrId)
    const ref = String(uuidOrId).toLowerCase()
    return findIn(this.iterate({ limit: 500 }), (d) => d.uuid.toLowerCase() === ref, `device "${ref}"`)
  }

  /**
   * Deletes a device with its keys (each a `key.deleted` webhook event); they stop verifying on every node.
   * Members of its organization and above; not the device's or its application's own keys.
   */
  delete(id: number | string): Promise<void> {
    return this.http.request<void>('DELETE', idPath(this.path, id))
  }
}

/** The audit log: `kw.audit`. Admins see everything, others their own actions. */
export class Audit extends Listing<'events', AuditEvent, AuditFilter> {
  constructor(http: Transport) {
    super(http, '/v1/audit', 'events')
  }
}

/** A number, or a string of digits only: balena's "id" form of a reference. */
const isId = (ref: string | number): boolean => typeof ref === 'number' || /^[1-9][0-9]*$/.test(ref)

async function findIn<T>(items: AsyncIterable<T>, match: (t: T) => boolean, what: string): Promise<T> {
  for await (const item of items) if (match(item)) return item
  // Same code and status as the server's answer for a missing or foreign resource.
  throw new KeywardError('not_found', `${what} not found`, { status: 404 })
}
