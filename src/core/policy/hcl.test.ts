import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HclError, parseHcl, parseHclWithLibrary, widenIntegers } from './hcl.ts';

test('HCL1 generic shape: blocks are lists of objects', () => {
  const shape = { path: [{ a: [{ capabilities: ['read'] }] }] };
  assert.deepEqual(parseHcl('path "a" { capabilities = ["read"] }'), shape);
  assert.deepEqual(parseHclWithLibrary('path "a" { capabilities = ["read"] }'), shape);
  assert.deepEqual(parseHclWithLibrary('{"path": {"a": {"capabilities": ["read"]}}}'), shape);
  // JSON read directly keeps its plain shape (the policy reader accepts both).
  assert.deepEqual(parseHcl('{"path": {"a": {"capabilities": ["read"]}}}'), { path: { a: { capabilities: ['read'] } } });
});

test('parseHcl turns the library error string into an HclError with position', () => {
  assert.throws(() => parseHcl('path "a" {'), (e: unknown) => e instanceof HclError && e.message === 'At 1:12: object expected closing RBRACE got: EOF');
  assert.throws(() => parseHcl('\u0000'), HclError);
});

test('integers beyond 32 bits are widened outside strings, comments and heredocs', () => {
  assert.equal(widenIntegers('x = 3000000000'), 'x = 3000000000.0');
  assert.equal(widenIntegers('x = -3000000000'), 'x = -3000000000.0');
  assert.equal(widenIntegers('x = 2147483647'), 'x = 2147483647');
  assert.equal(widenIntegers('x = "3000000000"'), 'x = "3000000000"');
  assert.equal(widenIntegers('x = "a\\"3000000000"'), 'x = "a\\"3000000000"');
  assert.equal(widenIntegers('# 3000000000\n// 3000000000\n/* 3000000000 */'), '# 3000000000\n// 3000000000\n/* 3000000000 */');
  assert.equal(widenIntegers('x = <<EOF\n3000000000\nEOF\n'), 'x = <<EOF\n3000000000\nEOF\n');
  assert.equal(widenIntegers('a3000000000 = 1'), 'a3000000000 = 1');
  assert.equal(widenIntegers('x = 3000000000.5'), 'x = 3000000000.5');
  assert.deepEqual(parseHcl('x = [3000000000, -3000000000]'), { x: [3000000000, -3000000000] });
  assert.deepEqual(parseHcl('{"x": 4000000000}'), { x: 4000000000 });
});
