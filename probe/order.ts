import { openStore } from '../packages/keyward/src/store/database.js'
import { TestServer } from '../packages/keyward/test/helpers.js'
import { bulkInsertKeys } from '../packages/keyward/test/scale/bulk-keys.js'
const store = (process.argv[2] ?? 'postgres') as 'sqlite' | 'postgres'
const s = await TestServer.start(store)
const admin = await s.adminToken()
const heavy = await s.member('heavy', admin)
const loader = openStore(s.config.databaseUrl)
await bulkInsertKeys(loader, heavy.actorId, 100_000, 'heavy')
if (store === 'postgres') await (await import('kysely')).sql`analyze`.execute(loader.db)
await loader.close()
const terms = Array.from({ length: 50 }, (_, i) => `contains(name,'zq${i}')`).join(' or ')
for (const ob of ['', '&$orderby=name', '&$orderby=name desc', '&$orderby=created_at desc', '&$orderby=id desc', '&$orderby=description']) {
  for (const who of [['admin', admin], ['member', heavy.token]] as const) {
    const t = performance.now()
    const r = await s.request('GET', `/v7/api_key?$filter=${encodeURIComponent(terms)}&$top=10${ob}`, { token: who[1] })
    console.log(who[0], ob || '(none)', r.status, (performance.now() - t).toFixed(0), 'ms', r.status >= 400 ? r.text.slice(0, 120) : '')
  }
}
await s.close()
