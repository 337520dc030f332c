import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { parsed } from './odata-repo.js'

const ors = (n: number, term: (i: number) => string): string =>
  Array.from({ length: n }, (_, i) => term(i)).join(' or ')
const contains = (i: number): string => `contains(name,'zq${i}')`

/** The error a parse gives: its code, or "parsed" when it passes. */
function outcome(shape: string): string {
  try {
    parsed(shape)
    return 'parsed'
  } catch (e) {
    return (e as { code?: string }).code ?? String(e)
  }
}

/**
 * Oversized filters are refused from their text, before `@balena/odata-parser` runs (issue 17):
 * its cost grows faster than the input, 0.2–0.6 s of event loop for 400 `or`ed terms.
 */
describe('$filter term limit before parsing', () => {
  it('51 terms are refused before the parser runs: even when the parser would reject the text', () => {
    // A trailing `or` makes the text malformed; the refusal says "too expensive", so the parser never saw it.
    assert.equal(outcome(`/api_key?$filter=${ors(51, contains)} or`), 'query_too_expensive')
    assert.equal(outcome(`/api_key?$filter=${ors(50, contains)} or`), 'validation_failed')
    assert.equal(outcome(`/api_key?$filter=${ors(400, (i) => `id eq ${i}`)} or`), 'query_too_expensive')
    assert.equal(outcome(`/api_key?$filter=${ors(51, (i) => `id in (${i}, 1)`)} or`), 'query_too_expensive')
  })

  it('over 100 connectives or arithmetic operators are refused before the parser runs (a fuzzer held the loop 1 s)', () => {
    const chain = (n: number, op: string) => Array.from({ length: n + 1 }, () => '1').join(` ${op} `)
    for (const op of ['mul', 'add', 'sub', 'div', 'mod'])
      assert.equal(outcome(`/api_key?$filter=${chain(101, op)} eq 1 or`), 'query_too_expensive', op)
    assert.equal(outcome(`/api_key?$filter=${chain(99, 'add')} eq id or`), 'validation_failed')
    assert.equal(outcome(`/api_key?$filter=${ors(101, () => 'not false')} or`), 'query_too_expensive')
    // Spaces are optional around an operator: counted all the same (2,500 `mul(1)` held the loop 0.7 s).
    assert.equal(outcome(`/api_key?$filter=id eq (1)${'mul(1)'.repeat(101)} or`), 'query_too_expensive')
    assert.equal(outcome(`/api_key?$filter=${'(id eq 1)and'.repeat(101)}(id eq 1) or`), 'query_too_expensive')
    assert.equal(outcome(`/api_key?$filter=${'(id)eq(1)or'.repeat(51)}(id)eq(1) or`), 'query_too_expensive')
    // Words that only contain one are names, paths or lambda variables, not operators.
    assert.equal(outcome(`/api_key?$filter=${ors(60, () => 'is_of__actor/any(or:or/id eq 1)')}`), 'query_too_expensive')
    assert.equal(outcome(`/api_key?$filter=${ors(49, () => 'is_of__actor/any(or:or/id eq 1)')}`), 'parsed')
    // Inside a literal they are text: 'a and b' × 200 is one term.
    assert.equal(outcome(`/api_key?$filter=name eq '${'a and b mul '.repeat(200)}'`), 'parsed')
  })

  it('a nested $filter in $expand is counted on its own; 50 terms anywhere still parse', () => {
    const nested = (n: number) => `/actor?$expand=api_key($filter=${ors(n, contains)};$top=1)`
    assert.equal(outcome(`${nested(51)} or`), 'query_too_expensive')
    assert.equal(outcome(nested(50)), 'parsed')
    // Two filters of 40 terms each: 80 in the request, no single filter over the limit.
    const two = `/actor?$filter=${ors(40, (i) => `id eq ${i}`)}&$expand=api_key($filter=${ors(40, contains)})`
    assert.equal(outcome(two), 'parsed')
    const mixed = (n: number) => `/api_key?$filter=${ors(n, (i) => `(startswith(name,'a${i}') and id ge ${i})`)}`
    assert.equal(outcome(mixed(25)), 'parsed')
    assert.equal(outcome(`${mixed(26)} or`), 'query_too_expensive')
  })

  it('over 1,000 list values or arguments are refused before the parser runs (a fuzzer held the loop 0.2–0.7 s)', () => {
    const list = (n: number) => Array.from({ length: n }, () => '1').join(',')
    // 7,000 values in one `in` list took the parser 0.2–0.5 s, 3,000 arguments of a call 0.7 s.
    assert.equal(outcome(`/api_key?$filter=id in (${list(1001)}) or`), 'query_too_expensive')
    assert.equal(outcome(`/api_key?$filter=substringof(${list(1001)}) or`), 'query_too_expensive')
    assert.equal(outcome(`/api_key?$filter=id in (${list(600)}) or id in (${list(600)}) or`), 'query_too_expensive')
    assert.equal(outcome(`/actor?$expand=api_key($filter=id in (${list(1001)})) or`), 'query_too_expensive')
    assert.equal(outcome(`/api_key?$filter=id in (${list(1000)})`), 'parsed')
    // Commas inside literals are text.
    assert.equal(outcome(`/api_key?$filter=name eq '${','.repeat(2000)}'`), 'parsed')
  })

  it('words inside quoted literals are not terms', () => {
    const tricky = ors(50, (i) => `name eq 'x eq y contains( ne ''in'' ${i}'`)
    assert.equal(outcome(`/api_key?$filter=${tricky}`), 'parsed')
  })
})
