import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseJson } from '../../framework/json.ts';
import { getClaim, globMatch, matchBoundClaim, resolvePointer, ClaimNumber } from './claims.ts';

const claims = {
  sub: 'repo:acme/api:ref:refs/heads/main',
  ref_protected: 'true',
  ssh_rerun: true,
  runner_id: 3.9,
  neg: -3.9,
  groups: ['dev', 'ops'],
  numbers: [3, 4],
  'oidc.circleci.com/vcs-ref': 'refs/heads/main',
  'a.b': 'literal-dotted',
  a: { b: 'nested' },
  'kubernetes.io': { namespace: 'ci', pod: { name: 'p' } },
  'we/ird~key': { x: 'y' },
  list: [{ name: 'first' }],
  obj: { k: 'v' },
  nil: null,
};

/** Bound values as they arrive in a role write (numbers keep their literal text). */
function bound(json: string): unknown {
  return parseJson(json);
}

describe('matchBoundClaim (string mode)', () => {
  const cases: [string, string, string, boolean | string][] = [
    ['plain string', 'sub', '"repo:acme/api:ref:refs/heads/main"', true],
    ['string mismatch', 'sub', '"repo:acme/other"', false],
    ['string "true" vs bound bool true', 'ref_protected', 'true', false],
    ['string "true" vs bound string', 'ref_protected', '"true"', true],
    ['bool vs bound bool', 'ssh_rerun', 'true', true],
    ['bool vs bound "true"', 'ssh_rerun', '"true"', false],
    ['number truncated 3.9 -> 3', 'runner_id', '3', true],
    ['negative truncated -3.9 -> -3', 'neg', '-3', true],
    ['bound 3.0 never matches', 'runner_id', '3.0', false],
    ['bound 3e0 never matches', 'runner_id', '3e0', false],
    ['bound "3" does not equal number', 'runner_id', '"3"', false],
    ['any-of expected list', 'sub', '["x", "repo:acme/api:ref:refs/heads/main"]', true],
    ['list claim contains one', 'groups', '"ops"', true],
    ['list claim and list expected', 'groups', '["qa", "dev"]', true],
    ['list claim none', 'groups', '["qa"]', false],
    ['numbers inside array claims never match', 'numbers', '3', false],
    ['literal dotted/slashed key', 'oidc.circleci.com/vcs-ref', '"refs/heads/main"', true],
    ['literal dotted key is not a path', 'a.b', '"literal-dotted"', true],
    ['JSON pointer', '/a/b', '"nested"', true],
    ['JSON pointer with dotted segment', '/kubernetes.io/namespace', '"ci"', true],
    ['JSON pointer deep', '/kubernetes.io/pod/name', '"p"', true],
    ['JSON pointer escapes', '/we~1ird~0key/x', '"y"', true],
    ['JSON pointer array index', '/list/0/name', '"first"', true],
    ['JSON pointer missing', '/a/c', '"x"', 'missing'],
    ['JSON pointer bad index', '/list/5/name', '"x"', 'missing'],
    ['missing claim', 'environment', '"prod"', 'missing'],
    ['null claim is missing', 'nil', '"x"', 'missing'],
    ['object claim', 'obj', '"v"', 'bad-actual'],
    ['object bound value', 'sub', '{"a":1}', 'bad-expected'],
  ];
  for (const [name, key, exp, want] of cases) {
    it(name, () => {
      const r = matchBoundClaim(claims, key, bound(exp), false);
      if (want === true) assert.equal(r.kind, 'ok');
      else if (want === false) assert.equal(r.kind, 'mismatch');
      else assert.equal(r.kind, want);
    });
  }

  it('formats an object claim like Go %v', () => {
    const r = matchBoundClaim(claims, 'obj', 'v', false);
    assert.deepEqual(r, { kind: 'bad-actual', text: 'map[k:v]' });
  });
});

describe('matchBoundClaim (glob mode)', () => {
  const cases: [string, string, unknown, boolean | string][] = [
    ['star matches everything', 'sub', '*', true],
    ['star crosses slash', 'sub', 'repo:acme/*', true],
    ['middle star', 'sub', 'repo:*:ref:refs/heads/main', true],
    ['two stars', 'sub', 'repo:*/api:*:refs/heads/*', true],
    ['no match', 'sub', 'repo:other/*', false],
    ['no star = exact', 'sub', 'repo:acme/api:ref:refs/heads/main', true],
    ['question mark is literal', 'sub', 'repo:acme/ap?:*', false],
    ['brackets are literal', 'sub', 'repo:acme/[a]pi*', false],
    ['non-string actual skipped', 'ssh_rerun', '*', false],
    ['list claim any', 'groups', ['qa', 'o*'], true],
    ['number bound in glob mode', 'sub', 3, 'bad-glob'],
  ];
  for (const [name, key, exp, want] of cases) {
    it(name, () => {
      const r = matchBoundClaim(claims, key, exp, true);
      if (want === true) assert.equal(r.kind, 'ok');
      else if (want === false) assert.equal(r.kind, 'mismatch');
      else assert.equal(r.kind, want);
    });
  }
});

describe('glob and pointers', () => {
  it('globMatch edge cases', () => {
    assert.equal(globMatch('', ''), true);
    assert.equal(globMatch('', 'a'), false);
    assert.equal(globMatch('*', ''), true);
    assert.equal(globMatch('a*', 'a'), true);
    assert.equal(globMatch('*a', 'a'), true);
    assert.equal(globMatch('a*a', 'a'), false);
    assert.equal(globMatch('a*a', 'aa'), true);
    assert.equal(globMatch('a*b*c', 'abc'), true);
    assert.equal(globMatch('a*b*c', 'acb'), false);
  });

  it('resolvePointer follows RFC 6901', () => {
    assert.equal(resolvePointer({ '': 1 }, '/'), 1);
    assert.equal(resolvePointer({ a: [1, 2] }, '/a/01'), undefined);
    assert.equal(resolvePointer({ a: 'x' }, '/a/b'), undefined);
    assert.equal(resolvePointer({ a: {} }, '/a/constructor'), undefined);
  });

  it('getClaim truncates scalar numbers only and ignores inherited keys', () => {
    assert.deepEqual(getClaim(claims, 'runner_id'), new ClaimNumber('3'));
    assert.deepEqual(getClaim(claims, 'numbers'), [3, 4]);
    assert.equal(getClaim({}, 'constructor'), undefined);
    assert.equal(getClaim({}, 'toString'), undefined);
  });
});
