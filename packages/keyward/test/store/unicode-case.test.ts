import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import BetterSqlite3 from 'better-sqlite3'
import pg from 'pg'
import { Kysely, SqliteDialect, sql } from 'kysely'
import { FTS_FOLDS_OTHERWISE, nameContains } from '../../src/store/key-search.js'
import { lowerAsPostgres, upperAsPostgres } from '../../src/store/sql-case.js'
import { STORES, serverForSuite } from '../helpers.js'

/**
 * Case-insensitive name search beyond ASCII: the same answers on both stores, PostgreSQL's
 * (a libc locale: one character for one, no context, no expansion). SQLite's own lower() and
 * upper() change ASCII letters only; a fuzzer found `q=Ωmega1` answering 0 there.
 */
const NAMES = [
  'Ωmega1',
  'ωmega2',
  'ÉCOLE-prod',
  'école-dev',
  'straße',
  'STRASSE',
  'İstanbul',
  'istanbul-2',
  'ΟΔΟΣ',
  'ᲒᲔᲝ-server',
  'plain-key',
]

for (const store of STORES) {
  describe(`case-insensitive name search beyond ASCII, as PostgreSQL (${store})`, () => {
    const suite = serverForSuite(store)
    const search = async (q: string): Promise<string[]> => {
      const r = await suite.s.request('GET', `/v1/keys?limit=100&q=${encodeURIComponent(q)}`, { token: suite.admin })
      assert.equal(r.status, 200, r.text)
      return (r.body.api_keys as { name: string }[]).map((k) => k.name).sort()
    }
    const odata = async (filter: string): Promise<string[]> => {
      const r = await suite.s.request('GET', `/v7/api_key?$select=name&$filter=${encodeURIComponent(filter)}`, {
        token: suite.admin,
      })
      assert.equal(r.status, 200, r.text)
      return (r.body.d as { name: string }[]).map((k) => k.name).sort()
    }

    before(async () => {
      for (const name of NAMES) await suite.s.createKey(suite.admin, { name })
    })

    it('q= finds non-ASCII capitals in either case, the exact case too', async () => {
      assert.deepEqual(await search('Ωmega1'), ['Ωmega1'])
      assert.deepEqual(await search('Ωmega'), ['Ωmega1', 'ωmega2'])
      assert.deepEqual(await search('ωMEGA'), ['Ωmega1', 'ωmega2'])
      assert.deepEqual(await search('École'), ['ÉCOLE-prod', 'école-dev'])
      assert.deepEqual(await search('É'), ['ÉCOLE-prod', 'école-dev'], 'one character: the scan, same meaning')
      assert.deepEqual(await search('გეო'), ['ᲒᲔᲝ-server'], 'Georgian capitals, which the FTS index does not fold')
    })

    it('q= folds one character for one: ß is not ss, İ is i, Σ is σ at a word end too', async () => {
      assert.deepEqual(await search('STRAßE'), ['straße'])
      assert.deepEqual(await search('strasse'), ['STRASSE'])
      assert.deepEqual(await search('İstanbul'), ['istanbul-2', 'İstanbul'])
      assert.deepEqual(await search('istanbul'), ['istanbul-2', 'İstanbul'], 'İ lowers to i, also through the index')
      assert.deepEqual(await search('İ'), ['istanbul-2', 'plain-key', 'İstanbul'])
      assert.deepEqual(await search('οδοσ'), ['ΟΔΟΣ'])
      assert.deepEqual(await search('ΟΔΟΣ'), ['ΟΔΟΣ'])
      assert.deepEqual(await search('οδος'), [], 'a final ς is another letter than the σ that Σ lowers to')
    })

    it('OData tolower/toupper with eq', async () => {
      assert.deepEqual(await odata("tolower(name) eq 'ωmega1'"), ['Ωmega1'])
      assert.deepEqual(await odata("tolower(name) eq 'istanbul'"), ['İstanbul'])
      assert.deepEqual(await odata("tolower(name) eq 'οδοσ'"), ['ΟΔΟΣ'])
      assert.deepEqual(await odata("toupper(name) eq 'ÉCOLE-DEV'"), ['école-dev'])
      assert.deepEqual(await odata("toupper(name) eq 'STRAßE'"), ['straße'])
      assert.deepEqual(await odata("toupper(name) eq 'STRASSE'"), ['STRASSE'])
    })

    it('OData tolower/toupper with contains', async () => {
      assert.deepEqual(await odata("contains(tolower(name),'ωmega')"), ['Ωmega1', 'ωmega2'])
      assert.deepEqual(await odata("contains(tolower(name),'ωmega11')"), [])
      assert.deepEqual(await odata("contains(tolower(name),'école')"), ['ÉCOLE-prod', 'école-dev'])
      assert.deepEqual(await odata("contains(toupper(name),'ΩMEGA')"), ['Ωmega1', 'ωmega2'])
      assert.deepEqual(await odata("contains(tolower(name),'გეო')"), ['ᲒᲔᲝ-server'])
      assert.deepEqual(await odata("contains(name,'Ωmega')"), ['Ωmega1'], 'contains alone stays case-sensitive')
    })
  })
}

/** Every Unicode scalar value but ASCII's (ASCII's mapping is SQLite's own). */
function* nonAscii(): Generator<string> {
  for (let cp = 0x80; cp <= 0x10ffff; cp++) if (cp < 0xd800 || cp > 0xdfff) yield String.fromCodePoint(cp)
}

describe("PostgreSQL's case mapping in JavaScript (store/sql-case.js)", () => {
  it('maps one character for one: no final sigma, no expansion', () => {
    assert.equal(lowerAsPostgres('ΟΔΟΣ Σ'), 'οδοσ σ')
    assert.equal(lowerAsPostgres('İSTANBUL'), 'istanbul')
    assert.equal(lowerAsPostgres('ÉCOLE Ωmega'), 'école ωmega')
    assert.equal(upperAsPostgres('straße'), 'STRAßE')
    assert.equal(upperAsPostgres('ﬀ ᾳ ᾀ'), 'ﬀ ᾼ ᾈ')
    assert.equal(upperAsPostgres('école ωmega'), 'ÉCOLE ΩMEGA')
  })

  // A needle with `i` was split at it (İ lowers to i, which FTS5 does not fold it to): `q=api` asked no index and
  // scanned every key the caller sees. It is now asked in both spellings.
  it('q= with an i asks the name index for both spellings, not a scan', () => {
    const db = new Kysely<any>({ dialect: new SqliteDialect({ database: new BetterSqlite3(':memory:') }) })
    const ask = (needle: string) =>
      sql`select 1 where ${nameContains('sqlite', 'k', needle, true)}`
        .compile(db)
        .parameters.find((p) => typeof p === 'string' && /^["(]/.test(p))
    assert.equal(ask('api'), '("api" OR "apİ")')
    assert.equal(ask('mini'), '("mini" OR "minİ" OR "mİni" OR "mİnİ")')
    assert.equal(ask('prod'), '"prod"')
    void db.destroy()
  })

  it('every letter the FTS5 trigram index folds otherwise than lower() splits an indexed q= needle', () => {
    // A row holding `c` must be a candidate of a phrase holding lower(c); where FTS5 disagrees
    // (its Unicode tables are older than Node's), FTS_FOLDS_OTHERWISE must hold lower(c).
    const db = new BetterSqlite3(':memory:')
    db.exec(`create virtual table t using fts5(name, tokenize='trigram')`)
    const insert = db.prepare('insert into t (rowid, name) values (?, ?)')
    const pairs = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZ', ...nonAscii()]
      .map((c) => [c, lowerAsPostgres(c)] as const)
      .filter(([c, l]) => c !== l)
    pairs.forEach(([c], i) => insert.run(i + 1, `\x01${c}\x01`))
    const match = db.prepare<[string], number>('select rowid from t where t match ?').pluck()
    const missing = pairs.filter(
      ([c, l], i) =>
        !match.all(`"\x01${l}\x01"`).includes(i + 1) && !FTS_FOLDS_OTHERWISE.test(l) && !(c === 'İ' && l === 'i'), // spelled both ways in the FTS query (`withDottedI`)
    )
    db.close()
    assert.deepEqual(missing, [])
  })

  it(
    'answers as PostgreSQL lower()/upper() for every character PostgreSQL maps',
    { skip: !STORES.includes('postgres') },
    async () => {
      const client = new pg.Client({ connectionString: process.env.KEYWARD_TEST_DATABASE_URL })
      await client.connect()
      try {
        const { rows } = await client.query<{ c: string; l: string; u: string }>(
          `select chr(i) as c, lower(chr(i)) as l, upper(chr(i)) as u from generate_series(128, 1114111) as i
          where (i < 55296 or i > 57343) and (lower(chr(i)) <> chr(i) or upper(chr(i)) <> chr(i))`,
        )
        assert.ok(rows.length > 1000, 'PostgreSQL maps letters beyond ASCII (a libc locale with UTF-8)')
        const wrong = rows.filter(({ c, l, u }) => lowerAsPostgres(c) !== l || upperAsPostgres(c) !== u)
        assert.deepEqual(wrong, [])
        // Node's Unicode may be newer than the server's C library: letters it maps and PostgreSQL does not yet.
        const known = new Set(rows.map((r) => r.c))
        const newer = [...nonAscii()].filter(
          (c) => !known.has(c) && (lowerAsPostgres(c) !== c || upperAsPostgres(c) !== c),
        )
        assert.ok(newer.length < 200, `${newer.length} letters mapped in JavaScript only`)
      } finally {
        await client.end()
      }
    },
  )
})
