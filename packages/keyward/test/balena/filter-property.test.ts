import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import fc from 'fast-check'
import { STORES, TestServer } from '../helpers.js'
import { type Tenant, makeTenant } from './fixture.js'

/**
 * Property: whatever `$filter` a caller sends, the answer is 200 or a 4xx (never
 * a 500), and no answer holds a key the caller may not see.
 */
for (const store of STORES) {
  describe(`balena $filter property (${store})`, () => {
    let s: TestServer
    let bea: Tenant
    let carl: Tenant
    let visible: Set<number>
    let foreign: Set<number>

    before(async () => {
      s = await TestServer.start(store)
      const admin = await s.adminToken()
      bea = await makeTenant(s, 'bea', admin)
      carl = await makeTenant(s, 'carl', admin)
      await s.createKey(bea.user.token, { name: "o'brien", description: 'x&y' })
      await s.createKey(carl.user.token, { name: 'secret', description: 'carl only' })
      await s.createKey(bea.user.token, { name: 'Deploy', description: 'ci', expires_at: '2030-01-01T00:00:00.000Z' })
      // Born expired is refused natively; an expired key is made by moving its expiry into the past.
      const old = await s.createKey(bea.user.token, { name: 'deploy-old' })
      await s.request('PATCH', `/v1/keys/${old.id}`, {
        token: bea.user.token,
        body: { expires_at: '2020-06-01T12:00:00.000Z' },
      })
      const mine = (await s.request('GET', '/v1/keys?limit=500', { token: bea.user.token })).body.api_keys as {
        id: number
      }[]
      const theirs = (await s.request('GET', '/v1/keys?limit=500', { token: carl.user.token })).body.api_keys as {
        id: number
      }[]
      visible = new Set(mine.map((k) => k.id))
      foreign = new Set(theirs.map((k) => k.id))
    })
    after(() => s.close())

    /** Sends one filter; checks the status class and that only visible keys come back. */
    async function check(filter: string, raw = false): Promise<number> {
      const value = raw ? filter : encodeURIComponent(filter)
      const r = await s.request('GET', `/v7/api_key?$filter=${value}`, { token: bea.user.token })
      assert.ok(r.status === 200 || (r.status >= 400 && r.status < 500), `${r.status} for ${filter}: ${r.text}`)
      if (r.status === 200) {
        for (const row of r.body.d as { id: number }[]) {
          assert.ok(visible.has(row.id) && !foreign.has(row.id), `foreign key ${row.id} for ${filter}`)
        }
      } else {
        assert.equal(typeof r.body.message, 'string')
      }
      assert.ok(
        !r.text.includes(carl.userKey.key) &&
          !r.text.includes(carl.provKey.key) &&
          !r.text.includes(carl.deviceKey.key),
      )
      return r.status
    }

    it('random strings and random token soups: 200 or 4xx, never 500, never a foreign key', async () => {
      const tokens = fc.constantFrom(
        'id',
        'name',
        'description',
        'created_at',
        'expiry_date',
        'is_of__actor',
        'is_of__user',
        'is_of__device',
        'uuid',
        'slug',
        'a',
        'd',
        ' eq ',
        ' ne ',
        ' gt ',
        ' lt ',
        ' and ',
        ' or ',
        ' in ',
        'not',
        '(',
        ')',
        ',',
        '/',
        ':',
        'any',
        'all',
        "'",
        "''",
        "'x'",
        '5',
        '-1',
        '1.5',
        'null',
        'true',
        'now()',
        'contains',
        'tolower',
        'startswith',
        'length',
        ' add ',
        "datetime'2020-01-01'",
        "duration'P1D'",
        '$',
        '@p',
      )
      await fc.assert(
        fc.asyncProperty(fc.string({ maxLength: 60 }), async (f) => {
          await check(f)
        }),
        { numRuns: 150 },
      )
      await fc.assert(
        fc.asyncProperty(fc.string({ maxLength: 30, unit: 'binary' }), async (f) => {
          await check(`name eq '${f.replace(/'/g, "''")}'`)
        }),
        { numRuns: 100 },
      )
      await fc.assert(
        fc.asyncProperty(fc.array(tokens, { maxLength: 14 }), async (parts) => {
          await check(parts.join(''), true)
        }),
        { numRuns: 300 },
      )
      await fc.assert(
        fc.asyncProperty(fc.array(tokens, { maxLength: 14 }), async (parts) => {
          await check(parts.join(''))
        }),
        { numRuns: 150 },
      )
    })

    it("random valid filters (nested lambdas, functions, literals aimed at other users' rows) answer 200 with visible keys only", async () => {
      const ints = fc.oneof(
        fc.integer({ min: -3, max: 40 }),
        fc.constantFrom(
          carl.user.id,
          carl.user.actorId,
          carl.app.id,
          carl.app.actor_id,
          carl.device.id,
          carl.device.actor_id,
          carl.userKey.id,
          2 ** 31 + 7,
        ),
      )
      const strs = fc
        .oneof(
          fc.string({ maxLength: 8 }),
          fc.constantFrom(
            carl.device.uuid,
            carl.app.slug,
            'carl',
            'secret',
            "o'brien",
            'x&y',
            bea.device.uuid,
            bea.app.slug,
          ),
        )
        .map((v) => `'${v.replace(/'/g, "''")}'`)
      const cmp = fc.constantFrom('eq', 'ne', 'gt', 'ge', 'lt', 'le')
      const text = fc.constantFrom('name', 'description', 'tolower(name)', 'toupper(description)')
      const date = fc.constantFrom('created_at', 'expiry_date', 'modified_at')
      const dateLit = fc.constantFrom(
        "datetime'2020-01-01T00:00:00Z'",
        "'2099-12-31'",
        'now()',
        "'2026-11-27T00:00:00.000Z'",
      )
      const intField = fc.constantFrom('id', 'is_of__actor', 'is_of__actor/id')

      // Generated filters stay inside the cost limits (store/odata/limits.ts): `rem` is how many more
      // any/all may nest (three in all), and a device's fleet never lists its devices again (re-entry).
      const app = (v: string, rem: number, fromDevice: boolean): fc.Arbitrary<string> =>
        fc.oneof(
          fc.tuple(strs).map(([x]) => `${v}/slug eq ${x}`),
          fc.tuple(ints).map(([x]) => `${v}/id eq ${x}`),
          ...(rem > 0 && !fromDevice
            ? [device(`x${rem}`, rem - 1).map((c) => `${v}/owns__device/any(x${rem}:${c})`)]
            : []),
        )
      const device = (v: string, rem: number): fc.Arbitrary<string> =>
        fc.oneof(
          fc.tuple(strs).map(([x]) => `${v}/uuid eq ${x}`),
          fc.tuple(strs).map(([x]) => `startswith(${v}/uuid,${x})`),
          fc.tuple(ints).map(([x]) => `${v}/actor/id eq ${x}`),
          fc.tuple(strs).map(([x]) => `${v}/belongs_to__application/slug eq ${x}`),
          ...(rem > 0
            ? [app(`p${rem}`, rem - 1, true).map((c) => `${v}/belongs_to__application/any(p${rem}:${c})`)]
            : []),
        )
      const actor = (v: string, rem: number): fc.Arbitrary<string> =>
        fc.oneof(
          fc.tuple(ints).map(([x]) => `${v}/id eq ${x}`),
          fc.tuple(ints).map(([x]) => `${v}/is_of__user eq ${x}`),
          fc.tuple(ints, ints).map(([x, y]) => `${v}/id in (${x},${y})`),
          ...(rem > 0
            ? [
                fc
                  .tuple(ints, strs)
                  .map(([x, y]) => `${v}/is_of__user/any(u${rem}:u${rem}/id eq ${x} or u${rem}/username eq ${y})`),
                device(`d${rem}`, rem - 1).map((c) => `${v}/is_of__device/any(d${rem}:${c})`),
                app(`p${rem}`, rem - 1, false).map((c) => `${v}/is_of__application/all(p${rem}:${c})`),
              ]
            : []),
        )
      const leaf = fc.oneof(
        fc.tuple(intField, cmp, ints).map(([f, o, x]) => `${f} ${o} ${x}`),
        fc.tuple(text, cmp, strs).map(([f, o, x]) => `${f} ${o} ${x}`),
        fc.tuple(date, cmp, dateLit).map(([f, o, x]) => `${f} ${o} ${x}`),
        fc
          .tuple(fc.constantFrom('name', 'description', 'expiry_date', 'is_of__actor'), fc.constantFrom('eq', 'ne'))
          .map(([f, o]) => `${f} ${o} null`),
        fc.tuple(intField, ints, ints).map(([f, x, y]) => `${f} in (${x},${y})`),
        fc
          .tuple(fc.constantFrom('contains', 'startswith', 'endswith'), text, strs)
          .map(([fn, f, x]) => `${fn}(${f},${x})`),
        fc
          .tuple(fc.constantFrom('any', 'all'), fc.integer({ min: 0, max: 2 }))
          .chain(([m, rem]) => actor('a', rem).map((c) => `is_of__actor/${m}(a:${c})`)),
      )
      const cond: fc.Arbitrary<string> = fc.letrec<{ c: string }>((tie) => ({
        c: fc.oneof(
          { depthSize: 'small', withCrossShrink: true },
          leaf,
          fc.tuple(tie('c'), fc.constantFrom('and', 'or'), tie('c')).map(([a, o, b]) => `(${a}) ${o} (${b})`),
          tie('c').map((a) => `not(${a})`),
        ),
      })).c

      let ok = 0
      // At most 50 terms (comparisons, `in`, string functions) per filter, as the limits allow.
      const withinTerms = cond.filter(
        (f) => (f.match(/ (eq|ne|gt|ge|lt|le|in) |(contains|startswith|endswith)\(/g) ?? []).length <= 50,
      )
      await fc.assert(
        fc.asyncProperty(withinTerms, fc.boolean(), async (f, raw) => {
          // Raw (curl-style) only when nothing in the filter needs escaping in a URL.
          const status = await check(f, raw && /^[\w ()',/:.=-]*$/.test(f))
          assert.equal(status, 200, `valid filter refused: ${f}`)
          ok++
        }),
        { numRuns: 400 },
      )
      assert.equal(ok >= 400, true)
    })

    it('valid filters select exactly the rows a reference evaluator selects (three-valued logic, null-safe ne)', async () => {
      const rows = (await s.request('GET', '/v7/api_key', { token: bea.user.token })).body.d as Row[]
      const names = [...new Set(rows.map((r) => r.name).filter((n): n is string => n !== null))]
      const text = fc.oneof(fc.constantFrom(...names, 'ci', 'x&y', ''), fc.string({ maxLength: 4 }))
      const ints = fc.oneof(
        fc.constantFrom(...rows.map((r) => r.id), ...rows.map((r) => r.is_of__actor.__id)),
        fc.integer({ min: 0, max: 50 }),
      )
      const dates = fc.constantFrom(
        '2020-01-01T00:00:00.000Z',
        '2025-01-01T00:00:00.000Z',
        '2031-01-01T00:00:00.000Z',
        rows[0]!.created_at,
      )
      // The `as Expr` casts below keep each literal's `t` narrow; the rule takes them for no-ops, but without them this does not compile.
      /* eslint-disable @typescript-eslint/no-unnecessary-type-assertion */
      const leaf: fc.Arbitrary<Expr> = fc.oneof(
        fc
          .tuple(fc.constantFrom('id', 'is_of__actor', 'is_of__actor/id'), fc.constantFrom(...CMP), ints)
          .map(([f, op, v]) => ({ t: 'cmp', f, op, v }) as Expr),
        fc
          .tuple(
            fc.constantFrom('name', 'description', 'tolower(name)', 'toupper(description)'),
            fc.constantFrom('eq', 'ne'),
            text,
          )
          .map(([f, op, v]) => ({ t: 'cmp', f, op, v }) as Expr),
        fc
          .tuple(fc.constantFrom('created_at', 'expiry_date'), fc.constantFrom(...CMP), dates)
          .map(([f, op, v]) => ({ t: 'cmp', f, op, v }) as Expr),
        fc
          .tuple(fc.constantFrom('name', 'description', 'expiry_date'), fc.constantFrom('eq', 'ne'))
          .map(([f, op]) => ({ t: 'cmp', f, op, v: null }) as Expr),
        fc
          .tuple(fc.constantFrom('id', 'is_of__actor'), fc.array(ints, { minLength: 1, maxLength: 3 }))
          .map(([f, vs]) => ({ t: 'in', f, vs }) as Expr),
        fc
          .tuple(
            fc.constantFrom('contains', 'startswith', 'endswith'),
            fc.constantFrom('name', 'description', 'tolower(name)'),
            text,
          )
          .map(([fn, f, v]) => ({ t: 'fn', fn, f, v }) as Expr),
        ints.map((v) => ({ t: 'any', v }) as Expr),
      )
      const expr: fc.Arbitrary<Expr> = fc.letrec<{ e: Expr }>((tie) => ({
        e: fc.oneof(
          { depthSize: 'small', withCrossShrink: true },
          leaf,
          fc
            .tuple(fc.constantFrom('and', 'or'), tie('e'), tie('e'))
            .map(([op, a, b]) => ({ t: 'bool', op, a, b }) as Expr),
          tie('e').map((a) => ({ t: 'not', a }) as Expr),
        ),
      })).e
      /* eslint-enable @typescript-eslint/no-unnecessary-type-assertion */
      await fc.assert(
        fc.asyncProperty(expr, async (e) => {
          const f = render(e)
          const r = await s.request('GET', `/v7/api_key?$select=id&$filter=${encodeURIComponent(f)}`, {
            token: bea.user.token,
          })
          assert.equal(r.status, 200, `${f}: ${r.text}`)
          const got = (r.body.d as { id: number }[]).map((x) => x.id).sort((a, b) => a - b)
          const want = rows
            .filter((row) => evaluate(e, row) === true)
            .map((x) => x.id)
            .sort((a, b) => a - b)
          assert.deepEqual(got, want, f)
        }),
        { numRuns: 300 },
      )
    })
  })
}

interface Row {
  id: number
  name: string | null
  description: string | null
  created_at: string
  expiry_date: string | null
  is_of__actor: { __id: number }
}
const CMP = ['eq', 'ne', 'gt', 'ge', 'lt', 'le'] as const
type Expr =
  | { t: 'cmp'; f: string; op: (typeof CMP)[number]; v: string | number | null }
  | { t: 'in'; f: string; vs: number[] }
  | { t: 'fn'; fn: 'contains' | 'startswith' | 'endswith'; f: string; v: string }
  | { t: 'any'; v: number }
  | { t: 'bool'; op: 'and' | 'or'; a: Expr; b: Expr }
  | { t: 'not'; a: Expr }

const lit = (v: string | number | null): string =>
  v === null ? 'null' : typeof v === 'number' ? String(v) : `'${v.replace(/'/g, "''")}'`

/** The filter as a caller writes it, fully parenthesised (balena's parser gives and/or equal precedence). */
function render(e: Expr): string {
  switch (e.t) {
    case 'cmp':
      return `${e.f} ${e.op} ${lit(e.v)}`
    case 'in':
      return `${e.f} in (${e.vs.join(',')})`
    case 'fn':
      return `${e.fn}(${e.f},${lit(e.v)})`
    case 'any':
      return `is_of__actor/any(a:a/id eq ${e.v})`
    case 'bool':
      return `(${render(e.a)}) ${e.op} (${render(e.b)})`
    case 'not':
      return `not(${render(e.a)})`
  }
}

/** A field of a row as SQL would see it (null stays null). */
function field(row: Row, f: string): string | number | null {
  const m = /^(tolower|toupper)\((\w+)\)$/.exec(f)
  if (m) {
    const v = field(row, m[2]!) as string | null
    return v === null ? null : m[1] === 'tolower' ? v.toLowerCase() : v.toUpperCase()
  }
  if (f === 'is_of__actor' || f === 'is_of__actor/id') return row.is_of__actor.__id
  return row[f as 'id' | 'name' | 'description' | 'created_at' | 'expiry_date']
}

/** SQL's three-valued logic: true, false or null (unknown). `ne` is null-safe, as the face translates it. */
function evaluate(e: Expr, row: Row): boolean | null {
  switch (e.t) {
    case 'cmp': {
      const a = field(row, e.f)
      if (e.v === null) return e.op === 'eq' ? a === null : a !== null
      if (e.op === 'ne') return a !== e.v
      if (a === null) return null
      const c = a < e.v ? -1 : a > e.v ? 1 : 0
      return { eq: c === 0, gt: c > 0, ge: c >= 0, lt: c < 0, le: c <= 0 }[e.op]
    }
    case 'in':
      return e.vs.includes(field(row, e.f) as number)
    case 'fn': {
      const a = field(row, e.f) as string | null
      if (a === null) return null
      return e.fn === 'contains' ? a.includes(e.v) : e.fn === 'startswith' ? a.startsWith(e.v) : a.endsWith(e.v)
    }
    case 'any':
      return row.is_of__actor.__id === e.v
    case 'bool': {
      const a = evaluate(e.a, row)
      const b = evaluate(e.b, row)
      if (e.op === 'and') return a === false || b === false ? false : a === null || b === null ? null : true
      return a === true || b === true ? true : a === null || b === null ? null : false
    }
    case 'not': {
      const a = evaluate(e.a, row)
      return a === null ? null : !a
    }
  }
}
