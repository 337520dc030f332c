import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { serverForSuite } from '../helpers.js'

/**
 * Attack: point a webhook at a cloud provider's metadata or host-agent endpoint, at creation and
 * by PATCH of a harmless webhook (SSRF guard, `services/webhooks/target.ts`; the production default,
 * KEYWARD_WEBHOOK_ALLOW_PRIVATE unset). The guard is store-independent: SQLite only.
 */
describe('attack: webhooks at cloud metadata endpoints', () => {
  const suite = serverForSuite('sqlite')

  /** Where a VM's credentials or host configuration can be read, per provider. */
  const METADATA: [string, string][] = [
    ['AWS/GCP/Azure/OCI IMDS', 'http://169.254.169.254/latest/meta-data/'],
    ['AWS IMDS over IPv6', 'http://[fd00:ec2::254]/latest/meta-data/'],
    ['AWS IMDS, IPv4-mapped', 'http://[::ffff:169.254.169.254]/'],
    ['Alibaba Cloud metadata', 'http://100.100.100.200/latest/meta-data/'],
    ['Oracle Cloud metadata (192.0.0.192)', 'http://192.0.0.192/opc/v2/instance/'],
    ['Azure WireServer (host agent, extension settings)', 'http://168.63.129.16/machine/?comp=goalstate'],
  ]

  it('refuses each at creation and by PATCH (400 webhook_target_refused)', async () => {
    const made = await suite.s.request('POST', '/v1/webhooks', {
      token: suite.admin,
      body: { url: 'https://93.184.216.34/hook', events: ['key.created'] },
    })
    assert.equal(made.status, 201, made.text)
    const id = made.body.webhook.id as number
    const accepted: string[] = []
    for (const [what, url] of METADATA) {
      const created = await suite.s.request('POST', '/v1/webhooks', {
        token: suite.admin,
        body: { url, events: ['key.created'] },
      })
      const patched = await suite.s.request('PATCH', `/v1/webhooks/${id}`, { token: suite.admin, body: { url } })
      for (const [how, r] of [
        ['create', created],
        ['PATCH', patched],
      ] as const)
        if (r.status !== 400 || r.body?.error?.code !== 'webhook_target_refused')
          accepted.push(`${what} ${url} by ${how}: ${r.status}`)
    }
    // FINDING when this fails: 168.63.129.16 is global unicast in IANA's registry, so the guard lets it through.
    assert.deepEqual(accepted, [], `FINDING: metadata endpoints accepted as webhook targets:\n${accepted.join('\n')}`)
  })
})
