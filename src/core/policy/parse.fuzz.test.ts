/**
 * Random mutations of valid policies must never crash or hang the parser: each either parses
 * (and then compiles and evaluates) or is rejected with KeepError 400.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KeepError } from '../../errors.ts';
import { PolicyACL } from './acl.ts';
import { parsePolicy } from './parse.ts';
import { mulberry32, mutate, SEEDS } from './test-helpers.ts';

test('fuzz: mutated policies parse or fail with 400, never crash', () => {
  const rnd = mulberry32(0x6b656570);
  let parsed = 0;
  let rejected = 0;
  for (let i = 0; i < 600; i++) {
    const text = mutate(SEEDS[i % SEEDS.length], rnd);
    let result;
    try {
      result = parsePolicy(text);
    } catch (e) {
      assert.ok(e instanceof KeepError, `non-KeepError for ${JSON.stringify(text)}: ${String(e)}`);
      assert.equal(e.status, 400);
      assert.match(e.message, /^failed to parse policy: /);
      rejected++;
      continue;
    }
    parsed++;
    const acl = new PolicyACL([{ name: 'fuzz', rules: result.rules.filter((r) => !r.templated) }]);
    for (const p of ['secret/data/x', 'a/b/c/d', 'sys/mounts', 'cubbyhole/', '']) {
      acl.allowOperation({ operation: 'update', path: p, data: { foo: 'zip', bar: ['zap'] }, wrapTTL: 5 });
      acl.capabilities(p);
      acl.hasAccessUnder(p);
    }
  }
  assert.ok(parsed > 0 && rejected > 0, `parsed ${parsed}, rejected ${rejected}`);
});
