import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { Static } from 'typebox'
import { Value } from 'typebox/value'
import {
  ApiKeyBody,
  ApplicationBody,
  AuditEventBody,
  CreatedKeyBody,
  DeviceBody,
  ListKeysQuery,
  MadeByKeyBody,
  RevokedKeyBody,
  UsageResponse,
  UserBody,
  VerifyResponse,
} from '../../keyward/src/http/schemas.js'
import { SessionBody } from '../../keyward/src/http/routes/v1/sessions.js'
import { ImportKeysResponse } from '../../keyward/src/http/import-schemas.js'
import {
  CreatedInvitationBody,
  InvitationBody,
  MemberBody,
  OrganizationBody,
} from '../../keyward/src/http/org-schemas.js'
import { IdentityBody } from '../../keyward/src/http/limit-schemas.js'
import type { ErrorCode } from '../../keyward/src/core/errors.js'
import type { VerifyCode as ServerVerifyCode } from '../../keyward/src/core/verify-result.js'
import type {
  ApiKey,
  Application,
  AuditEvent,
  CreatedKey,
  Device,
  ImportResult,
  KeyUsage,
  KeywardErrorCode,
  Identity,
  ListKeysFilter,
  MadeByKey,
  RevokedKey,
  Session,
  User,
  VerifyCode,
  VerifyResult,
} from '../src/index.js'
import type { CreatedInvitation, Invitation, Member, Organization } from '../src/index.js'
import { type Listening, listening } from './server.js'

/**
 * The client's wire types are written by hand (the client never imports the server), so this
 * file pins them to the server's route schemas. At compile time (`npm run typecheck`): each pair
 * must be assignable both ways. At run time: what the client receives passes the server's schema.
 */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false
const assertSame = <T extends true>(_: T): void => {}
assertSame<Same<ApiKey, Static<typeof ApiKeyBody>>>(true)
assertSame<Same<CreatedKey, Static<typeof CreatedKeyBody>>>(true)
assertSame<Same<RevokedKey, Static<typeof RevokedKeyBody>>>(true)
assertSame<Same<MadeByKey, Static<typeof MadeByKeyBody>>>(true)
assertSame<Same<VerifyResult, Static<typeof VerifyResponse>>>(true)
assertSame<Same<User, Static<typeof UserBody>>>(true)
assertSame<Same<Session, Static<typeof SessionBody>>>(true)
assertSame<Same<Application, Static<typeof ApplicationBody>>>(true)
assertSame<Same<Device, Static<typeof DeviceBody>>>(true)
assertSame<Same<AuditEvent, Static<typeof AuditEventBody>>>(true)
assertSame<Same<VerifyCode, ServerVerifyCode>>(true)
assertSame<Same<Organization, Static<typeof OrganizationBody>>>(true)
assertSame<Same<Member, Static<typeof MemberBody>>>(true)
assertSame<Same<Invitation, Static<typeof InvitationBody>>>(true)
assertSame<Same<CreatedInvitation, Static<typeof CreatedInvitationBody>>>(true)
assertSame<Same<KeyUsage, Static<typeof UsageResponse>>>(true)
assertSame<Same<ImportResult, Static<typeof ImportKeysResponse>>>(true)
assertSame<Same<Identity, Static<typeof IdentityBody>>>(true)
assertSame<Same<Required<ListKeysFilter>['sort' | 'order'], Required<Static<typeof ListKeysQuery>>['sort' | 'order']>>(
  true,
)
assertSame<Same<Exclude<KeywardErrorCode, 'network_error' | 'invalid_response'>, ErrorCode>>(true)

describe('client wire types match the server schemas', () => {
  let l: Listening
  before(async () => {
    l = await listening('sqlite')
  })
  after(() => l.close())

  test("records received by the client pass the server's response schemas, field for field", async () => {
    const created = await l.admin.apiKeys.create({
      name: 'wire',
      rate_limit: { limit: 1, window_s: 1 },
      refill: { amount: 1, interval_s: 60 },
      remaining: 5,
    })
    assert.ok(Value.Check(CreatedKeyBody, created))
    assert.deepEqual(Object.keys(created.api_key).sort(), Object.keys(ApiKeyBody.properties).sort())
    const verified = await l.admin.apiKeys.verify(created.key)
    assert.ok(Value.Check(VerifyResponse, verified))
    assert.equal(verified.code, 'VALID')
    const app = await l.admin.applications.create({ name: 'wire-app' })
    assert.ok(Value.Check(ApplicationBody, app))
    assert.ok(Value.Check(DeviceBody, await l.admin.devices.create({ application_id: app.id })))
    assert.ok(Value.Check(UserBody, (await l.admin.auth.whoami()).user))
    const sessions = await l.admin.auth.sessions.list()
    assert.ok(sessions.length > 0 && sessions.every((s) => Value.Check(SessionBody, s)))
    const events = (await l.admin.audit.list()).events
    assert.ok(events.length > 0 && events.every((e) => Value.Check(AuditEventBody, e)))
  })
})
