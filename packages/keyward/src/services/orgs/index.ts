import type { Kysely } from 'kysely'
import type { Config } from '../../config.js'
import type { Database } from '../../store/schema.js'
import type { Clock } from '../../core/clock.js'
import type { ActorRepository } from '../../store/actor-repository.js'
import { InvitationRepository, makerReads } from '../../store/invitation-repository.js'
import type { Dialect } from '../../store/database.js'
import type { KeyRepository } from '../../store/key-repository.js'
import type { OrgRepository } from '../../store/org-repository.js'
import type { AuditLog } from '../auth/audit-log.js'
import type { SessionCache } from '../auth/session-cache.js'
import type { UserService } from '../auth/user-service.js'
import type { VerifyCache } from '../keys/verify-cache.js'
import { smtpMailer } from './invitation-mailer.js'
import { InvitationService } from './invitation-service.js'
import { MembershipService } from './membership-service.js'
import type { OrgDirectory } from './org-directory.js'
import { OrgService } from './org-service.js'
import { HandleRefusals } from './handle-refusals.js'
import type { KeyRateLimiter } from '../cluster/rate-limiter.js'

/** The organization use cases (issue 14), wired from the composition root (`services/index.ts`). */
export interface OrgServices {
  organizations: OrgService
  memberships: MembershipService
  invitations: InvitationService
  /** Closes the SMTP transport, if any. */
  close(): void
}

/** Everything `createOrgServices` needs from the rest of the composition root. */
export interface OrgDeps {
  config: Pick<Config, 'smtpUrl' | 'smtpFrom' | 'publicUrl' | 'invitationTtlS' | 'secretRefusalsPerHour'>
  orgRepo: OrgRepository
  /** The write connection (invitations are point reads and writes). */
  db: Kysely<Database>
  /** The budgeted read pool: an organization's invitations listed whole. */
  readDb: Kysely<Database>
  dialect: Dialect
  directory: OrgDirectory
  actors: ActorRepository
  /** Reads the caller's key fresh: what a bounded key may grant (`producerOf`). */
  keyRepo: Pick<KeyRepository, 'findById'>
  users: UserService
  sessionCache: SessionCache
  cache: VerifyCache
  audit: AuditLog
  clock: Clock
  /** The shared limiter store: refused handles are budgeted per person (`HandleRefusals`). */
  limiter: KeyRateLimiter
}

/** Wires organizations, memberships and invitations (mailed through SMTP when configured). */
export function createOrgServices(d: OrgDeps): OrgServices {
  const { config, orgRepo, directory, sessionCache, audit, clock } = d
  const refusals = new HandleRefusals(d.limiter, config.secretRefusalsPerHour)
  const organizations = new OrgService(orgRepo, directory, sessionCache, d.cache, audit, clock, refusals)
  const mailer = config.smtpUrl ? smtpMailer(config.smtpUrl, config.smtpFrom, config.publicUrl) : null
  const users = {
    prepare: d.users.prepare.bind(d.users),
    findByEmail: async (email: string) => (await d.actors.findUserForLogin(email))?.user,
    findById: (id: number) => d.actors.findUserById(id),
  }
  return {
    organizations,
    memberships: new MembershipService(orgRepo, organizations, sessionCache, d.keyRepo),
    invitations: new InvitationService(
      orgRepo,
      new InvitationRepository(d.db, d.dialect, d.readDb),
      organizations,
      sessionCache,
      d.keyRepo,
      // The budgeted read pool: a listing checks each maker's rights (`withUsability`); acceptance decides in its transaction.
      makerReads(d.readDb, d.dialect),
      users,
      mailer,
      clock,
      config.invitationTtlS,
    ),
    close: () => mailer?.close(),
  }
}
