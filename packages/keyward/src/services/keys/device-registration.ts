import { KeywardError, invalid } from '../../core/errors.js'
import { classifyKey } from '../../core/key-format.js'
import type { Device } from '../../core/types.js'
import type { RequestContext } from '../context.js'
import type { KeyService } from './key-service.js'
import type { OwnerService } from '../auth/owner-service.js'
import type { Verifier } from './verifier.js'
import { type ChosenSecrets, secretInUse } from './chosen-secrets.js'

export interface RegisterDeviceInput {
  applicationId: number
  uuid: string
  deviceType: string
  /** Secret the device generated for itself; one is generated when absent. */
  apiKey?: string
}

/** balena uuids: 32 (or 62) hex characters. */
const UUID = /^[0-9a-f]{32}(?:[0-9a-f]{30})?$/

/**
 * A device registering itself with a provisioning key (balena-register-device):
 * creates the device in the key's application and stores the device's own key.
 * Device-generated keys are not in Keyward's format: only their hash is kept and
 * they verify by hash lookup.
 */
export class DeviceRegistration {
  constructor(
    private readonly owners: OwnerService,
    private readonly keys: KeyService,
    private readonly verifier: Verifier,
    private readonly chosen: ChosenSecrets,
  ) {}

  async register(ctx: RequestContext, input: RegisterDeviceInput): Promise<{ device: Device; key: string }> {
    const p = ctx.principal
    // The provisioning key must belong to this very application (authenticate already refused inactive keys).
    if (p.owner.kind === 'application' && p.owner.id !== input.applicationId) {
      throw new KeywardError('unauthorized', 'this provisioning key belongs to another application')
    }
    if (p.owner.kind === 'device') throw new KeywardError('unauthorized', 'a device key cannot register devices')
    // A device key outlives the provisioning key that registered it ('registration', below): one
    // registered by a rolled-away secret would outlive the grace period its roll set (a tester's find).
    if (p.owner.kind === 'application' && p.graceEndsAt !== undefined)
      throw new KeywardError(
        'forbidden',
        "a rolled-away provisioning secret registers no devices: use the key's new secret",
      )
    const uuid = input.uuid.toLowerCase()
    if (!UUID.test(uuid)) throw invalid('uuid must be 32 or 62 hexadecimal characters', { field: 'uuid' })
    if (input.deviceType.trim() === '') throw invalid('device_type is required', { field: 'device_type' })
    const apiKey = input.apiKey
    if (apiKey === undefined) return this.create(ctx, input.applicationId, uuid, undefined)
    if (classifyKey(apiKey).kind === 'malformed')
      throw invalid('api_key must be at least 32 characters without spaces', { field: 'api_key' })
    // "Already in use" tells that a secret is held: the device's own key spends its maker's budget.
    return this.chosen.guard(ctx, 'registration', async () => {
      if (await this.verifier.lookup(apiKey))
        throw secretInUse('this device key is already in use', { field: 'api_key' })
      return this.create(ctx, input.applicationId, uuid, apiKey)
    })
  }

  /**
   * Two writes in two repositories: when the key cannot be stored (a scope the provisioning key
   * lacks, a concurrent registration with the same secret, a database failure), the device is
   * removed again so no keyless device remains.
   */
  private async create(ctx: RequestContext, applicationId: number, uuid: string, apiKey: string | undefined) {
    const device = await this.owners.createDevice(ctx, { application_id: applicationId, uuid }, ctx.principal.keyId)
    try {
      return { device, key: await this.storeDeviceKey(ctx, device, apiKey) }
    } catch (e) {
      // If even the undo fails (the database is gone), the original failure is what the caller must see.
      await this.owners
        .discardDevice(ctx, device, 'registration failed: the device key could not be stored')
        .catch(() => undefined)
      throw e
    }
  }

  /**
   * The device's key has the registering credential's scopes (never more: KeyService checks).
   * Registered by a provisioning key (an application's) it lives as long as the device, not that
   * key ('registration', balena's semantics); by any other credential (a user's key, a session)
   * it is a key that credential makes, bounded as `POST /v1/keys` bounds it ('bounded'), or a
   * user's key with a budget or an expiry registered its unbounded twin (found by an attacker).
   */
  private async storeDeviceKey(ctx: RequestContext, device: Device, apiKey: string | undefined): Promise<string> {
    const derivation = ctx.principal.owner.kind === 'application' ? 'registration' : 'bounded'
    const scopes = ctx.principal.scopes ?? []
    const input = {
      owner: { kind: 'device' as const, id: device.id },
      name: null,
      description: null,
      expires_at: null,
      scopes,
    }
    if (apiKey === undefined) return (await this.keys.create(ctx, input, derivation)).key
    await this.keys.insertKey(ctx, input, apiKey, derivation)
    return apiKey
  }
}
