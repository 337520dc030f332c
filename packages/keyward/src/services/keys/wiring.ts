import type { Config } from '../../config.js'
import type { Clock } from '../../core/clock.js'
import { KeyLineageRepository } from '../../store/key-lineage-repository.js'
import { LeakReportRepository } from '../../store/leak-reports.js'
import { ODataRepository } from '../../store/odata/query.js'
import { OwnerService } from '../auth/owner-service.js'
import type { AuthServices } from '../auth/wiring.js'
import { GithubScanningKeys } from '../events/github-scanning-keys.js'
import { LeakResponse } from '../events/leak-response.js'
import { IdentityAccess } from '../policies/identity-access.js'
import { IdentityService } from '../policies/identity-service.js'
import type { VerifyStack } from '../verify-stack.js'
import { ChosenSecrets } from './chosen-secrets.js'
import { DeviceRegistration } from './device-registration.js'
import { KeyImporter } from './key-import.js'
import { KeyLineage } from './key-lineage.js'
import { KeyService } from './key-service.js'
import { ODataService } from './odata-service.js'
import { UsageService } from './usage-service.js'

/** The key use cases the faces call (each documented on `Services`). */
export interface KeyServices {
  keys: KeyService
  keyLineage: KeyLineage
  keyImport: KeyImporter
  identities: IdentityService
  keyUsage: UsageService
  owners: OwnerService
  odata: ODataService
  deviceRegistration: DeviceRegistration
  leaks: LeakResponse
}

type KeyConfig = Pick<Config, 'secretRefusalsPerHour' | 'leakAction' | 'githubScanningKeysFile'>

/** Wires keys, identities and what acts on them (lineage, import, registration, leaks) over one verify stack. */
export function createKeyServices(
  stack: VerifyStack,
  people: AuthServices,
  config: KeyConfig,
  clock: Clock,
  onError: (e: unknown) => void,
): KeyServices {
  const { store, keyRepo, identityRepo, usageRepo, cache, verifier, limiter } = stack
  const { actors, auditLog } = people
  const identityAccess = new IdentityAccess(identityRepo, actors)
  // One budget of refused chosen secrets per person, whichever way the secret came (`ChosenVia`).
  const chosen = new ChosenSecrets(limiter, config.secretRefusalsPerHour, keyRepo, auditLog)
  const keys = new KeyService(keyRepo, actors, cache, auditLog, clock, identityAccess, chosen)
  const owners = new OwnerService(actors, auditLog, clock, people.orgDirectory, cache)
  const scanningKeys = config.githubScanningKeysFile ? new GithubScanningKeys(config.githubScanningKeysFile) : null
  const reports = new LeakReportRepository(store.db)
  const lineageRepo = new KeyLineageRepository(store.db, store.dialect)
  const keyLineage = new KeyLineage(keys, lineageRepo, cache, auditLog, clock, people.userLifecycle, onError)
  return {
    keys,
    keyLineage,
    keyImport: new KeyImporter(keys, keyRepo, cache, auditLog, clock, chosen),
    identities: new IdentityService(identityRepo, identityAccess, keyRepo, cache, auditLog, clock),
    keyUsage: new UsageService(keys, usageRepo, clock),
    owners,
    odata: new ODataService(new ODataRepository(store.readDb, store.dialect), keys, keyLineage, clock),
    deviceRegistration: new DeviceRegistration(owners, keys, verifier, chosen),
    leaks: new LeakResponse(keyRepo, keyLineage, config.leakAction, scanningKeys, limiter, reports, clock),
  }
}
