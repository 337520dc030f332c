/**
 * What a page of keys costs its caller, and how much of it is `can_manage` (`ActorRepository.ownersOfActors`,
 * one query a page, a union of four indexed reads): not a test, a measurement run by hand (`node
 * --conditions=keyward-source --import tsx test/perf/list-cost.ts [sqlite|postgres]`). An organization with 10
 * applications of 50 devices each and 10,000 keys spread over them; its owner lists pages of 100 and 500 keys,
 * sequentially, through `inject` (no sockets).
 */
import { ActorRepository } from '../../src/store/actor-repository.js'
import { type StoreKind, TestServer } from '../helpers.js'

const store = (process.argv[2] ?? 'sqlite') as StoreKind
const s = await TestServer.start(store)
const admin = await s.adminToken()
const ok = async (method: string, url: string, body?: unknown) => {
  const r = await s.request(method, url, { token: admin, body })
  if (r.status >= 300) throw new Error(`${method} ${url}: ${r.status} ${r.text}`)
  return r.body
}
const org = await ok('POST', '/v1/organizations', { name: 'Acme', handle: 'acme' })
const owners: { kind: string; id: number }[] = [{ kind: 'organization', id: org.id }]
for (let a = 0; a < 10; a++) {
  const app = await ok('POST', '/v1/applications', { name: `fleet-${a}`, organization_id: org.id })
  owners.push({ kind: 'application', id: app.id })
  for (let d = 0; d < 50; d++)
    owners.push({ kind: 'device', id: (await ok('POST', '/v1/devices', { application_id: app.id })).id })
}
for (let i = 0; i < 10_000; i++) await ok('POST', '/v1/keys', { name: `k${i}`, owner: owners[i % owners.length] })

// Time spent in the page's owner reads, beside the whole request's.
let inOwners = 0
const proto = ActorRepository.prototype
const original = Object.getOwnPropertyDescriptor(proto, 'ownersOfActors')!.value as typeof proto.ownersOfActors
proto.ownersOfActors = async function (this: ActorRepository, ids) {
  const t = performance.now()
  try {
    return await original.call(this, ids)
  } finally {
    inOwners += performance.now() - t
  }
}
const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!
for (const limit of [100, 500]) {
  const times: number[] = []
  inOwners = 0
  let cursor: string | null = null
  for (let i = 0; i < 200; i++) {
    const t = performance.now()
    const page = await ok(
      'GET',
      `/v1/keys?organization_id=${org.id}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`,
    )
    times.push(performance.now() - t)
    cursor = page.next_cursor ?? null
  }
  const total = times.reduce((a, b) => a + b, 0)
  console.log(
    `${store} limit=${limit}: p50 ${pct(times, 0.5).toFixed(2)} ms, p99 ${pct(times, 0.99).toFixed(2)} ms, ` +
      `max ${Math.max(...times).toFixed(2)} ms; owner reads ${((100 * inOwners) / total).toFixed(1)} % of the time ` +
      `(${(inOwners / times.length).toFixed(2)} ms a page)`,
  )
}
await s.close()
