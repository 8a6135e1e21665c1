import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseSecretsSpec, splitPath } from './spec.ts';

test('parses vault-action entries: ; and newlines, | NAME, default names', () => {
  const reqs = parseSecretsSpec(`
    secret/data/ci/aws accessKey | AWS_ACCESS_KEY_ID ;
    secret/data/ci/aws secretKey | AWS_SECRET_ACCESS_KEY ;
    secret/data/ci npmToken;
  `);
  assert.equal(reqs.length, 3);
  assert.deepEqual(
    reqs.map((r) => [r.path, r.selector, r.outputName, r.envName, r.line]),
    [
      ['secret/data/ci/aws', 'accessKey', 'AWS_ACCESS_KEY_ID', 'AWS_ACCESS_KEY_ID', 2],
      ['secret/data/ci/aws', 'secretKey', 'AWS_SECRET_ACCESS_KEY', 'AWS_SECRET_ACCESS_KEY', 3],
      ['secret/data/ci', 'npmToken', 'npmToken', 'NPMTOKEN', 4],
    ],
  );
  assert.deepEqual(reqs[0].lookups, [['accessKey']]);
});

test('the last | splits off the name; whitespace around parts is free', () => {
  const [r] = parseSecretsSpec('secret/data/x   key|NAME');
  assert.equal(r.envName, 'NAME');
  const [r2] = parseSecretsSpec('secret/data/x "a|b" | OUT');
  assert.equal(r2.selector, 'a|b');
  assert.equal(r2.envName, 'OUT');
});

test('an empty spec gives nothing', () => {
  assert.deepEqual(parseSecretsSpec(''), []);
  assert.deepEqual(parseSecretsSpec(' ; \n ;'), []);
});

test('wildcards * and ** with and without a prefix', () => {
  const [a, b, c] = parseSecretsSpec('secret/data/a * ; secret/data/b ** | APP_ ; secret/data/c "*"');
  assert.equal(a.wildcard, '*');
  assert.equal(a.envName, '');
  assert.equal(b.wildcard, '**');
  assert.equal(b.envName, 'APP_');
  assert.equal(c.wildcard, '*');
  assert.equal(a.lookups, undefined);
});

test('quoted keys are literal; quoted dotted keys try the literal key, then the path', () => {
  const [q, d, bt, plain] = parseSecretsSpec('s/x "api-key" | API_KEY; s/x "a.b"; s/x `a.b`.c; s/x a.b');
  assert.deepEqual(q.lookups, [['api-key']]);
  assert.equal(d.envName, 'A__B');
  assert.deepEqual(d.lookups, [['a.b'], ['a', 'b']]);
  assert.deepEqual(bt.lookups, [['a.b', 'c']]);
  assert.deepEqual(plain.lookups, [['a', 'b']]);
});

test('a quoted key needs no name; an expression-like selector without a dot is a literal key with a name', () => {
  const [q] = parseSecretsSpec('s/x "api-key"');
  assert.equal(q.envName, 'APIKEY');
  const [lit] = parseSecretsSpec('s/x api-key | API_KEY');
  assert.deepEqual(lit.lookups, [['api-key']]);
});

test('rejects entries without exactly a path and a key, naming the line', () => {
  assert.throws(() => parseSecretsSpec('secret/data/x'), /secrets line 1: You must provide a valid path and key.*Input: "secret\/data\/x"/);
  assert.throws(() => parseSecretsSpec('ok/path key;\n\nsecret/data/x a b'), /secrets line 3: You must provide a valid path and key/);
  assert.throws(() => parseSecretsSpec('secret/data/x | NAME'), /secrets line 1: You must provide a valid path and key/);
});

test('rejects an empty name after |', () => {
  assert.throws(() => parseSecretsSpec('a b;\nsecret/data/x key |'), /secrets line 2: You must provide a value when mapping a secret to a name/);
});

test('an expression selector needs a name (as in vault-action)', () => {
  assert.throws(() => parseSecretsSpec('secret/data/x api-key'), /secrets line 1: You must provide a name for the output key when using json selectors/);
  assert.throws(() => parseSecretsSpec('secret/data/x items[0]'), /You must provide a name/);
  assert.throws(() => parseSecretsSpec('secret/data/x 123'), /You must provide a name/);
});

test('rejects JSONata that Keep does not evaluate, naming the line', () => {
  assert.throws(() => parseSecretsSpec('\nsecret/data/x $lookup(data,"k").x | X'), /secrets line 2: the selector \$lookup\(data,"k"\)\.x is not supported.*full JSONata/);
  assert.throws(() => parseSecretsSpec('secret/data/x a.b[0] | X'), /not supported/);
  assert.throws(() => parseSecretsSpec('secret/data/x a..b | X'), /not supported/);
  assert.throws(() => parseSecretsSpec('secret/data/x a.b-c | X'), /not supported/);
});

test('splitPath', () => {
  assert.deepEqual(splitPath('a'), ['a']);
  assert.deepEqual(splitPath('a.b_c.d1'), ['a', 'b_c', 'd1']);
  assert.deepEqual(splitPath('`x.y`.z'), ['x.y', 'z']);
  assert.equal(splitPath('a.'), undefined);
  assert.equal(splitPath('.a'), undefined);
  assert.equal(splitPath('``'), undefined);
  assert.equal(splitPath('a.true'), undefined);
  assert.equal(splitPath('a.$b'), undefined);
});
