import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  type Restrictions,
  compileRestrictions,
  excessRestrictions,
  normalizeRestrictions,
  restrictionsProblem,
} from '../../src/core/restrictions.js'

const allows = (r: Restrictions, ctx: { ip?: string; origin?: string } | undefined) =>
  compileRestrictions(r)!.allows(ctx)

describe('ip_allow matching', () => {
  const table: [string[], string, boolean][] = [
    [['10.0.0.0/8'], '10.1.2.3', true],
    [['10.0.0.0/8'], '11.0.0.1', false],
    [['10.0.0.0/8'], '::ffff:10.1.2.3', true], // a dual-stack socket's form of an IPv4 client
    [['10.0.0.0/8'], '::ffff:11.1.2.3', false],
    [['::ffff:10.0.0.0/104'], '10.9.9.9', true], // a mapped range names IPv4 clients
    [['::ffff:10.0.0.0/104'], '11.9.9.9', false],
    [['203.0.113.7'], '203.0.113.7', true], // a bare address is a /32
    [['203.0.113.7'], '203.0.113.8', false],
    [['2001:db8::/32'], '2001:db8:1::5', true],
    [['2001:db8::/32'], '2001:db9::5', false],
    [['2001:db8::1'], '2001:db8::1', true],
    [['2001:db8::1'], '2001:db8::2', false],
    [['0.0.0.0/0'], '::1', false], // families never match each other
    [['::/0'], '1.2.3.4', false],
    [['10.0.0.0/8'], '10.1', false], // non-canonical IPv4 forms are not read as inet_aton would
    [['127.0.0.0/8'], '0x7f.0.0.1', false],
    [['10.0.0.0/8'], 'not an ip', false],
    [['10.0.0.0/8'], '', false],
    [['10.0.0.0/8', '192.168.0.0/16'], '192.168.4.4', true],
  ]
  for (const [cidrs, ip, expected] of table)
    it(`${JSON.stringify(cidrs)} ${expected ? 'admits' : 'refuses'} "${ip}"`, () => {
      assert.equal(allows({ ip_allow: cidrs }, { ip }), expected)
    })

  it('refuses a restricted key verified without an address', () => {
    assert.equal(allows({ ip_allow: ['0.0.0.0/0'] }, {}), false)
    assert.equal(allows({ ip_allow: ['0.0.0.0/0'] }, undefined), false)
  })
})

describe('origin_allow matching', () => {
  const table: [string, string, boolean][] = [
    ['https://app.example.com', 'https://app.example.com', true],
    ['https://app.example.com', 'https://APP.example.com', true],
    ['https://app.example.com', 'http://app.example.com', false], // another scheme is another origin
    ['https://app.example.com', 'https://app.example.com:8443', false],
    ['https://app.example.com', 'https://app.example.com:443', true], // the default port written out
    ['app.example.com', 'https://app.example.com', true], // no scheme means https
    ['app.example.com', 'http://app.example.com', false],
    ['http://localhost:3000', 'http://localhost:3000', true],
    ['http://localhost:3000', 'http://localhost:3001', false],
    ['*.example.com', 'https://a.example.com', true],
    ['*.example.com', 'https://a.b.example.com', true],
    ['*.example.com', 'https://evil.com.example.com', true], // a name under example.com is example.com's
    ['*.example.com', 'https://example.com', false], // subdomains only
    ['*.example.com', 'https://example.com.evil', false],
    ['*.example.com', 'https://badexample.com', false],
    ['*.example.com', 'https://a.example.com.evil.net', false],
    ['example.com', 'https://example.com.evil', false],
    ['example.com', 'https://sub.example.com', false],
    ['example.com', 'null', false], // sandboxed frames and file: pages send "null"
    ['example.com', 'https://example.com/', false], // an origin has no path
    ['example.com', 'https://user@example.com', false],
    ['example.com', '', false],
  ]
  for (const [pattern, origin, expected] of table)
    it(`"${pattern}" ${expected ? 'admits' : 'refuses'} "${origin}"`, () => {
      assert.equal(allows({ origin_allow: [pattern] }, { origin }), expected)
    })

  it('refuses a restricted key verified without an origin, and needs both when both are set', () => {
    assert.equal(allows({ origin_allow: ['example.com'] }, { ip: '1.2.3.4' }), false)
    const both = { ip_allow: ['1.2.3.0/24'], origin_allow: ['example.com'] }
    assert.equal(allows(both, { ip: '1.2.3.4', origin: 'https://example.com' }), true)
    assert.equal(allows(both, { ip: '1.2.3.4' }), false)
    assert.equal(allows(both, { ip: '9.9.9.9', origin: 'https://example.com' }), false)
  })
})

describe('restrictions validation', () => {
  it('names the first bad entry', () => {
    const bad: [Restrictions, string][] = [
      [{ ip_allow: ['10.0.0.0/33'] }, 'restrictions.ip_allow[0]'],
      [{ ip_allow: ['10.0.0.0/8', '10.0.0/8'] }, 'restrictions.ip_allow[1]'],
      [{ ip_allow: ['::/129'] }, 'restrictions.ip_allow[0]'],
      [{ ip_allow: ['10.0.0.0/8/8'] }, 'restrictions.ip_allow[0]'],
      [{ ip_allow: ['fe80::1%eth0'] }, 'restrictions.ip_allow[0]'],
      [{ origin_allow: ['https://example.com/path'] }, 'restrictions.origin_allow[0]'],
      [{ origin_allow: ['*'] }, 'restrictions.origin_allow[0]'],
      [{ origin_allow: ['ftp://example.com'] }, 'restrictions.origin_allow[0]'],
      [{ origin_allow: ['example.com:70000'] }, 'restrictions.origin_allow[0]'],
      [{ origin_allow: ['a.*.example.com'] }, 'restrictions.origin_allow[0]'],
    ]
    for (const [r, field] of bad) assert.equal(restrictionsProblem(r)?.field, field, JSON.stringify(r))
    assert.equal(restrictionsProblem({ ip_allow: ['10.0.0.0/8', '::1'], origin_allow: ['*.a.io', 'http://x:1'] }), null)
  })

  it('stores empty lists as no restriction', () => {
    assert.equal(normalizeRestrictions({ ip_allow: [], origin_allow: [] }), null)
    assert.equal(compileRestrictions(null), null)
    assert.deepEqual(normalizeRestrictions({ origin_allow: ['HTTPS://A.io'] }), { origin_allow: ['https://a.io'] })
  })
})

describe('derived restrictions must be at least as narrow', () => {
  const table: [Restrictions | null, Restrictions | null, boolean][] = [
    [null, { ip_allow: ['10.0.0.0/8'] }, true],
    [{ ip_allow: ['10.0.0.0/8'] }, null, false], // dropping the restriction
    [{ ip_allow: ['10.0.0.0/8'] }, { origin_allow: ['a.io'] }, false],
    [{ ip_allow: ['10.0.0.0/8'] }, { ip_allow: ['10.1.0.0/16'] }, true],
    [{ ip_allow: ['10.0.0.0/8'] }, { ip_allow: ['10.0.0.0/7'] }, false],
    [{ ip_allow: ['10.0.0.0/8'] }, { ip_allow: ['10.1.0.0/16', '11.0.0.1'] }, false],
    [{ ip_allow: ['10.0.0.0/8'] }, { ip_allow: ['::ffff:10.0.0.0/104'] }, true], // the same range, mapped
    [{ ip_allow: ['::ffff:10.0.0.0/104'] }, { ip_allow: ['10.2.0.0/16'] }, true],
    [{ ip_allow: ['10.0.0.0/8'] }, { ip_allow: ['::/0'] }, false],
    [{ origin_allow: ['*.example.com'] }, { origin_allow: ['https://a.example.com'] }, true],
    [{ origin_allow: ['*.example.com'] }, { origin_allow: ['*.a.example.com'] }, true],
    [{ origin_allow: ['*.example.com'] }, { origin_allow: ['example.com'] }, false],
    [{ origin_allow: ['*.example.com'] }, { origin_allow: ['http://a.example.com'] }, false],
    [{ origin_allow: ['a.example.com'] }, { origin_allow: ['*.example.com'] }, false],
    [{ origin_allow: ['a.example.com'] }, { origin_allow: ['*.a.example.com'] }, false],
    [{ ip_allow: ['10.0.0.0/8'], origin_allow: ['a.io'] }, { ip_allow: ['10.0.0.1'], origin_allow: ['a.io'] }, true],
  ]
  for (const [outer, inner, ok] of table)
    it(`${JSON.stringify(outer)} ${ok ? 'may' : 'may not'} produce ${JSON.stringify(inner)}`, () => {
      assert.equal(excessRestrictions(outer, inner) === null, ok)
    })
})
