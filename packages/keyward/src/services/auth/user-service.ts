import { randomBytes } from 'node:crypto'
import {
  canSeeUser,
  isInstanceAdmin,
  requireMayGrantRole,
  requireMayIssueLogin,
  requireScope,
} from '../../core/authz.js'
import type { Clock } from '../../core/clock.js'
import { KeywardError, notFound } from '../../core/errors.js'
import { type Maker, makerOf } from '../../core/producer.js'
import type { Role, User } from '../../core/types.js'
import type { ActorRepository, NewUser } from '../../store/actor-repository.js'
import { isUniqueViolation } from '../../store/database.js'
import type { KeyRepository } from '../../store/key-repository.js'
import type { AuditLog } from './audit-log.js'
import { type RequestContext, producerOf } from '../context.js'
import type { PasswordHasher } from './passwords.js'

export interface CreateUserInput {
  email: string
  password: string
  username?: string
  role?: Role
}

/** Users: created by admins (or at first start), listed by admins, each user sees itself. */
export class UserService {
  constructor(
    private readonly actors: ActorRepository,
    private readonly keys: Pick<KeyRepository, 'findById'>,
    private readonly audit: AuditLog,
    private readonly clock: Clock,
    private readonly passwords: PasswordHasher,
  ) {}

  /** Admins create users; only a full-rights admin credential creates admins (core/authz.ts). */
  async create(ctx: RequestContext, input: CreateUserInput): Promise<User> {
    requireScope(ctx.principal, 'users:write')
    const producer = await producerOf(ctx, this.keys)
    requireMayGrantRole(producer, input.role ?? 'member')
    requireMayIssueLogin(producer, false)
    // A password the key's holder chose is a login they know: it ends with the key's line (`endLoginsSetBy`).
    const user = await this.insert(input, makerOf(ctx.principal))
    await this.audit.record(
      ctx,
      'user.create',
      { type: 'user', id: user.id, ownerActorId: user.actorId },
      { email: user.email, role: user.role },
    )
    return user
  }

  /** Creates the first admin when there is no user at all; returns the generated password, if one was made. */
  async bootstrapAdmin(
    email: string | null,
    password: string | null,
  ): Promise<{ user: User; generatedPassword: string | null } | null> {
    if ((await this.actors.countUsers()) > 0) return null
    const generated = password ? null : randomBytes(18).toString('base64url')
    const user = await this.insert({
      email: email ?? 'admin@keyward.local',
      password: password ?? generated!,
      role: 'admin',
      username: 'admin',
    }).catch(async (e: unknown) => {
      // Nodes started together on a fresh database all found no user: the one whose insert
      // lost to the unique username made no admin, and another node did — not a failed start.
      if (e instanceof KeywardError && e.code === 'conflict' && (await this.actors.countUsers()) > 0) return null
      throw e
    })
    if (!user) return null
    await this.audit.record({ principal: null, ip: null }, 'user.bootstrap', {
      type: 'user',
      id: user.id,
      ownerActorId: user.actorId,
    })
    return { user, generatedPassword: generated }
  }

  /** Creates a user with no authorization check: callers decide (admins, bootstrap, an accepted invitation). */
  async insert(input: CreateUserInput, passwordSetBy: Maker | null = null): Promise<User> {
    return this.actors.createUser({ ...(await this.prepare(input)), passwordSetBy }).catch(duplicateUser)
  }

  /** A user ready to store (email normalized, a free username, the password hashed), stored by whoever takes it. */
  async prepare(input: CreateUserInput): Promise<NewUser> {
    const email = input.email.trim().toLowerCase()
    const username = (input.username ?? (await this.freeUsername(email))).toLowerCase()
    const passwordHash = await this.passwords.hash(input.password)
    return { email, username, passwordHash, role: input.role ?? 'member', at: this.clock.now().toISOString() }
  }

  /** The local part of the email, made unique with a number if needed. */
  private async freeUsername(email: string): Promise<string> {
    const base =
      email
        .split('@')[0]!
        .replace(/[^a-z0-9._-]/g, '')
        .slice(0, 40) || 'user'
    if (!(await this.actors.usernameTaken(base))) return base
    return `${base}${randomBytes(3).readUIntBE(0, 3) % 100000}`
  }

  /** Newest first; `passwordSetByKeyId`: only users whose password that key chose (admins; a member gets none). */
  async list(ctx: RequestContext, limit = 100, beforeId?: number, passwordSetByKeyId?: number): Promise<User[]> {
    requireScope(ctx.principal, 'users:read')
    const p = ctx.principal
    if (isInstanceAdmin(p)) return this.actors.listUsers(Math.min(limit, 500), beforeId, passwordSetByKeyId)
    if (passwordSetByKeyId !== undefined) return []
    const self = await this.actors.findUserById(p.owner.userId)
    return p.owner.kind === 'user' && self && (beforeId === undefined || self.id < beforeId) ? [self] : []
  }

  /** The user behind an authenticated principal (no check: the caller is that user). */
  whoIs(id: number): Promise<User | undefined> {
    return this.actors.findUserById(id)
  }

  async get(ctx: RequestContext, id: number): Promise<User> {
    requireScope(ctx.principal, 'users:read')
    const user = canSeeUser(ctx.principal, id) ? await this.actors.findUserById(id) : undefined
    if (!user) throw notFound('user')
    return user
  }
}

/** A unique violation storing a user is a conflict (two requests for one email, or a username taken meanwhile). */
export function duplicateUser(e: unknown): never {
  if (isUniqueViolation(e)) throw new KeywardError('conflict', 'a user with this email or username already exists')
  throw e
}
