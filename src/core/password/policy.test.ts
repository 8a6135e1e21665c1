import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { multiError } from '../../errors.ts';
import { DEFAULT_PASSWORD_POLICY, PasswordPolicyError, parsePasswordPolicy, satisfiesPolicy } from './policy.ts';

const LOWER_DIGITS = `length = 24
rule "charset" {
  charset   = "abcdefghijklmnopqrstuvwxyz"
  min-chars = 1
}
rule "charset" {
  charset   = "0123456789"
  min-chars = 2
}
`;

function fails(text: string, message: string): void {
  assert.throws(
    () => parsePasswordPolicy(text),
    (e: unknown) => {
      assert.ok(e instanceof PasswordPolicyError, String(e));
      assert.equal(e.message, message);
      return true;
    },
  );
}

describe('parsePasswordPolicy', () => {
  it('reads length and charset rules; the alphabet is the sorted union', () => {
    const p = parsePasswordPolicy(LOWER_DIGITS);
    assert.equal(p.length, 24);
    assert.deepEqual(
      p.rules.map((r) => [r.charset.join(''), r.minChars]),
      [
        ['abcdefghijklmnopqrstuvwxyz', 1],
        ['0123456789', 2],
      ],
    );
    assert.equal(p.alphabet.join(''), '0123456789abcdefghijklmnopqrstuvwxyz');
  });

  it('de-duplicates overlapping charsets and accepts min-chars 0 (widens the alphabet)', () => {
    const p = parsePasswordPolicy('length = 8\nrule "charset" { charset = "abcabc" }\nrule "charset" { charset = "cd" min-chars = 0 }');
    assert.equal(p.alphabet.join(''), 'abcd');
    assert.deepEqual(
      p.rules.map((r) => r.minChars),
      [0, 0],
    );
  });

  it('accepts the JSON form', () => {
    const p = parsePasswordPolicy('{"length": 10, "rule": {"charset": {"charset": "xyz", "min-chars": 3}}}');
    assert.equal(p.length, 10);
    assert.equal(p.alphabet.join(''), 'xyz');
    assert.equal(p.rules[0].minChars, 3);
  });

  it('handles multi-byte characters as single characters', () => {
    const p = parsePasswordPolicy('length = 6\nrule "charset" { charset = "äöü€" min-chars = 1 }');
    assert.deepEqual(p.alphabet, ['ä', 'ö', 'ü', '€']);
  });

  it('rejects HCL syntax errors', () => {
    fails('length = 20\nrule "charset" {', 'unable to decode: At 2:18: object expected closing RBRACE got: EOF');
  });

  it('rejects unknown rule types', () => {
    fails('length = 20\nrule "upper" { charset = "A" }', 'unable to parse rules: unable to parse rule upper: unrecognized rule type upper');
  });

  it('rejects a string length', () => {
    fails(
      'length = "20"\nrule "charset" { charset = "abc" }',
      "failed to decode configuration: 1 error(s) decoding:\n\n* 'length' expected type 'int', got unconvertible type 'string', value: '20'",
    );
  });

  it('rejects a bad min-chars type', () => {
    assert.throws(() => parsePasswordPolicy('length = 20\nrule "charset" { charset = "abc" min-chars = "x" }'), /failed to parse charset restriction/);
  });

  it('rejects a missing or zero length', () => {
    fails('rule "charset" { charset = "abc" }', multiError('length must be > 0'));
    fails('length = 0\nrule "charset" { charset = "abc" }', multiError('length must be > 0'));
  });

  it('rejects min-chars that do not fit in the length', () => {
    fails(
      'length = 4\nrule "charset" { charset = "abc" min-chars = 3 }\nrule "charset" { charset = "123" min-chars = 2 }',
      multiError('specified rules require at least 5 characters but 4 is specified'),
    );
  });

  it('rejects a policy without any charset', () => {
    fails('length = 20', multiError('no charset specified'));
    fails('length = 20\nrule "charset" { min-chars = 0 }', multiError('no charset specified'));
  });

  it('rejects non-printable characters', () => {
    fails('length = 20\nrule "charset" { charset = "ab\\u0007" }', multiError('non-printable character in charset'));
  });

  it('rejects more than 256 distinct characters', () => {
    const chars = Array.from({ length: 300 }, (_, i) => String.fromCodePoint(0x4e00 + i)).join('');
    fails(`length = 20\nrule "charset" { charset = "${chars}" }`, multiError('charset is too long: limited to 256 characters'));
  });

  it('collects several problems in one message', () => {
    fails('length = 0', multiError('length must be > 0', 'no charset specified'));
  });
});

describe('satisfiesPolicy', () => {
  it('checks length, alphabet and every rule', () => {
    const p = parsePasswordPolicy(LOWER_DIGITS);
    assert.equal(satisfiesPolicy(p, 'abcdefghijklmnopqrstuv12'), true);
    assert.equal(satisfiesPolicy(p, 'abcdefghijklmnopqrstuvw1'), false, 'only one digit');
    assert.equal(satisfiesPolicy(p, 'abcdefghijklmnopqrstu12'), false, 'too short');
    assert.equal(satisfiesPolicy(p, 'Abcdefghijklmnopqrstuv12'), false, 'outside the alphabet');
  });

  it('describes the default generator: 20 chars of [A-Za-z0-9-] with one of each class', () => {
    assert.equal(DEFAULT_PASSWORD_POLICY.length, 20);
    assert.equal(DEFAULT_PASSWORD_POLICY.alphabet.length, 63);
    assert.equal(satisfiesPolicy(DEFAULT_PASSWORD_POLICY, 'aB3-kLm9QzXw2pR7tYuV'), true);
    assert.equal(satisfiesPolicy(DEFAULT_PASSWORD_POLICY, 'aB3xkLm9QzXw2pR7tYuV'), false);
  });
});
