import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generateDefaultPassword, generateFromPolicy } from './generate.ts';
import { DEFAULT_PASSWORD_POLICY, parsePasswordPolicy, satisfiesPolicy } from './policy.ts';

describe('generateDefaultPassword', () => {
  it('always meets the default rules (1000 samples) and never repeats', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      const p = generateDefaultPassword();
      assert.match(p, /^[A-Za-z0-9-]{20}$/);
      assert.ok(satisfiesPolicy(DEFAULT_PASSWORD_POLICY, p), p);
      seen.add(p);
    }
    assert.equal(seen.size, 1000);
  });

  it('never starts with the legacy A1a- prefix pattern as a rule', () => {
    const starts = new Set<string>();
    for (let i = 0; i < 200; i++) starts.add(generateDefaultPassword().slice(0, 4));
    assert.ok(starts.size > 100);
  });

  it('uses every character of the alphabet roughly uniformly', () => {
    const counts = new Map<string, number>();
    const n = 3000;
    for (let i = 0; i < n; i++) for (const c of generateDefaultPassword()) counts.set(c, (counts.get(c) ?? 0) + 1);
    assert.equal(counts.size, 63);
    // '-' is forced at least once per password, so it runs above the average; every other
    // character stays within a wide band around n*20/63 ~ 952.
    for (const [c, k] of counts) if (c !== '-') assert.ok(k > 600 && k < 1400, `${c}: ${k}`);
  });
});

describe('generateFromPolicy', () => {
  it('meets min-chars of every rule over many samples', () => {
    const policy = parsePasswordPolicy(`length = 12
rule "charset" { charset = "abcdefghijklmnopqrstuvwxyz" min-chars = 2 }
rule "charset" { charset = "ABCDEFGHIJKLMNOPQRSTUVWXYZ" min-chars = 2 }
rule "charset" { charset = "0123456789" min-chars = 3 }
rule "charset" { charset = "!@#$%^&*" min-chars = 1 }`);
    for (let i = 0; i < 2000; i++) {
      const p = generateFromPolicy(policy);
      assert.ok(satisfiesPolicy(policy, p), p);
    }
  });

  it('builds passwords for rules rarely met at random (required characters, shuffled)', () => {
    // 40 of 50 characters must be digits out of a 36-character alphabet: random draws almost never pass.
    const policy = parsePasswordPolicy(`length = 50
rule "charset" { charset = "0123456789" min-chars = 40 }
rule "charset" { charset = "abcdefghijklmnopqrstuvwxyz" min-chars = 1 }`);
    const firsts = new Set<string>();
    for (let i = 0; i < 50; i++) {
      const p = generateFromPolicy(policy);
      assert.ok(satisfiesPolicy(policy, p), p);
      firsts.add(p[0]);
    }
    assert.ok(firsts.size > 1, 'shuffled: the required characters are not always in front');
  });

  it('handles multi-byte charsets', () => {
    const policy = parsePasswordPolicy('length = 8\nrule "charset" { charset = "äöü€" min-chars = 2 }\nrule "charset" { charset = "xy" min-chars = 1 }');
    for (let i = 0; i < 200; i++) {
      const p = generateFromPolicy(policy);
      assert.equal([...p].length, 8);
      assert.ok(satisfiesPolicy(policy, p), p);
    }
  });

  it('fails for a rule that requires characters from an empty charset', () => {
    const policy = parsePasswordPolicy('length = 8\nrule "charset" { charset = "ab" }\nrule "charset" { min-chars = 1 }');
    assert.throws(() => generateFromPolicy(policy), /empty charset/);
  });
});
