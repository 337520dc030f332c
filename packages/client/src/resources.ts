import { KeywardError } from './errors.js'
import { byIdPages, collect } from './pagination.js'
import { type Transport, idPath } from './transport.js'
import type {
  Application, AuditEvent, AuditFilter, CreateDeviceInput, CreateUserInput, Device, ListDevicesFilter, PageOptions, User,
} from './types.js'

/** Users: `kw.users`. Members see only themselves; only admins create users. */
export class Users {
  constructor(private readonly http: Transport) {}

  /** Creates a user (admins only). */
  create(input: CreateUserInput): Promise<User> {
    return this.http.request<User>('POST', '/v1/users', { body: input })
  }

  /** One page of users, newest first. */
  list(opts: PageOptions = {}): Promise<{ users: User[] }> {
    return this.http.request('GET', '/v1/users', { query: { ...opts } })
  }

  /** Every user, page after page (`opts.limit` is the page size). */
  iterate(opts: PageOptions = {}): AsyncGenerator<User, void, undefined> {
    return byIdPages(async (f) => (await this.list(f)).users, opts)
  }

  /** One user by id. */
  get(id: number | string): Promise<User> {
    return this.http.request<User>('GET', idPath('/v1/users', id))
  }
}

/** Applications (balena fleets), which own provisioning keys: `kw.applications`. */
export class Applications {
  constructor(private readonly http: Transport) {}

  /** Creates an application owned by the caller. */
  create(input: { name: string }): Promise<Application> {
    return this.http.request<Application>('POST', '/v1/applications', { body: input })
  }

  /** One page of the applications the caller may see, newest first. */
  list(opts: PageOptions = {}): Promise<{ applications: Application[] }> {
    return this.http.request('GET', '/v1/applications', { query: { ...opts } })
  }

  /** Every application the caller may see. */
  iterate(opts: PageOptions = {}): AsyncGenerator<Application, void, undefined> {
    return byIdPages(async (f) => (await this.list(f)).applications, opts)
  }

  /** One application by id. */
  get(id: number | string): Promise<Application> {
    return this.http.request<Application>('GET', idPath('/v1/applications', id))
  }

  /** An application by id, uuid or slug (`owner/name`), as balena accepts them. */
  async find(slugOrUuidOrId: string | number): Promise<Application> {
    if (isId(slugOrUuidOrId)) return this.get(slugOrUuidOrId)
    const ref = String(slugOrUuidOrId)
    return findIn(this.iterate({ limit: 500 }), (a) => a.uuid === ref || a.slug === ref, `application "${ref}"`)
  }
}

/** Devices of applications, which own device keys: `kw.devices`. */
export class Devices {
  constructor(private readonly http: Transport) {}

  /** Registers a device in an application the caller owns. */
  create(input: CreateDeviceInput): Promise<Device> {
    return this.http.request<Device>('POST', '/v1/devices', { body: input })
  }

  /** One page of devices, newest first, optionally of one application. */
  list(filter: ListDevicesFilter = {}): Promise<{ devices: Device[] }> {
    return this.http.request('GET', '/v1/devices', { query: { ...filter } })
  }

  /** Every device matching the filter. */
  iterate(filter: ListDevicesFilter = {}): AsyncGenerator<Device, void, undefined> {
    return byIdPages(async (f) => (await this.list(f)).devices, filter)
  }

  /** One device by id. */
  get(id: number | string): Promise<Device> {
    return this.http.request<Device>('GET', idPath('/v1/devices', id))
  }

  /** A device by id or uuid, as balena accepts them. */
  async find(uuidOrId: string | number): Promise<Device> {
    if (isId(uuidOrId)) return this.get(uuidOrId)
    const ref = String(uuidOrId).toLowerCase()
    return findIn(this.iterate({ limit: 500 }), (d) => d.uuid.toLowerCase() === ref, `device "${ref}"`)
  }
}

/** The audit log: `kw.audit`. Admins see everything, others their own actions. */
export class Audit {
  constructor(private readonly http: Transport) {}

  /** One page of events, newest first. */
  list(filter: AuditFilter = {}): Promise<{ events: AuditEvent[] }> {
    return this.http.request('GET', '/v1/audit', { query: { ...filter } })
  }

  /** Every event matching the filter. */
  iterate(filter: AuditFilter = {}): AsyncGenerator<AuditEvent, void, undefined> {
    return byIdPages(async (f) => (await this.list(f)).events, filter)
  }

  /** Every event matching the filter, as one array. */
  all(filter: AuditFilter = {}): Promise<AuditEvent[]> {
    return collect(this.iterate(filter))
  }
}

/** A number, or a string of digits only: balena's "id" form of a reference. */
const isId = (ref: string | number): boolean => typeof ref === 'number' || /^[1-9][0-9]*$/.test(ref)

async function findIn<T>(items: AsyncIterable<T>, match: (t: T) => boolean, what: string): Promise<T> {
  for await (const item of items) if (match(item)) return item
  // Same code and status as the server's answer for a missing or foreign resource.
  throw new KeywardError('not_found', `${what} not found`, { status: 404 })
}
