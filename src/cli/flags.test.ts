import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseBool, parseFlags, UsageError } from './flags.ts';
import type { FlagSpec } from './flags.ts';

const specs: FlagSpec[] = [
  { name: 'field', type: 'string', usage: '' },
  { name: 'format', type: 'string', usage: '', default: 'table' },
  { name: 'force', type: 'bool', usage: '' },
  { name: 'version', type: 'int', usage: '' },
  { name: 'policy', type: 'list', usage: '' },
  { name: 'address', type: 'string', usage: '' },
];

test('-name=value, -name value, --name=value and booleans', () => {
  const p = parseFlags(['-field=x', '-format', 'json', '--version=3', '-force', 'secret/a', 'k=v'], specs);
  assert.equal(p.flags.str('field'), 'x');
  assert.equal(p.flags.str('format'), 'json');
  assert.equal(p.flags.int('version'), 3);
  assert.equal(p.flags.bool('force'), true);
  assert.deepEqual(p.args, ['secret/a', 'k=v']);
  assert.deepEqual(p.warnings, []);
});

test('defaults apply when a flag is absent; has() tells given from default', () => {
  const p = parseFlags(['x'], specs);
  assert.equal(p.flags.str('format'), 'table');
  assert.equal(p.flags.has('format'), false);
  assert.equal(p.flags.bool('force'), false);
  assert.equal(p.flags.int('version'), undefined);
  assert.deepEqual(p.flags.list('policy'), []);
});

test('booleans take =value only; a following word stays positional', () => {
  const p = parseFlags(['-force=false', '-force', 'false'], specs);
  assert.equal(p.flags.bool('force'), true);
  assert.deepEqual(p.args, ['false']);
  assert.equal(parseFlags(['-force=0'], specs).flags.bool('force'), false);
  assert.equal(parseBool('T'), true);
  assert.equal(parseBool('yes'), undefined);
});

test('list flags repeat', () => {
  const p = parseFlags(['-policy=a', '-policy', 'b,c'], specs);
  assert.deepEqual(p.flags.list('policy'), ['a', 'b,c']);
});

test('parsing stops at the first positional, "-" and "--"; late flags warn', () => {
  const p = parseFlags(['secret/a', '-field=x', 'k=v'], specs);
  assert.deepEqual(p.args, ['secret/a', '-field=x', 'k=v']);
  assert.equal(p.flags.has('field'), false);
  assert.match(p.warnings[0], /Command flags must be provided before positional arguments\. The following arguments will not be parsed as flags: \[-field=x\]/);
  assert.deepEqual(parseFlags(['-', '-force'], specs).args, ['-', '-force']);
  assert.deepEqual(parseFlags(['--', '-force'], specs).args, ['-force']);
});

test('global flags are still parsed after positional arguments', () => {
  const p = parseFlags(['secret/a', '-address=http://x:1'], specs, new Set(['address']));
  assert.equal(p.flags.str('address'), 'http://x:1');
  assert.deepEqual(p.args, ['secret/a']);
  assert.deepEqual(p.warnings, []);
});

test('a value may start with a dash when given separately', () => {
  assert.equal(parseFlags(['-field', '-x'], specs).flags.str('field'), '-x');
});

test('bad input is rejected with Go flag messages', () => {
  assert.throws(() => parseFlags(['-nope'], specs), (e: unknown) => e instanceof UsageError && e.message === 'flag provided but not defined: -nope');
  assert.throws(() => parseFlags(['-field'], specs), /flag needs an argument: -field/);
  assert.throws(() => parseFlags(['-version=abc'], specs), /invalid value "abc" for flag -version/);
  assert.throws(() => parseFlags(['-force=maybe'], specs), /invalid boolean value "maybe" for -force/);
  assert.throws(() => parseFlags(['---x'], specs), /bad flag syntax/);
  assert.throws(() => parseFlags(['-=x'], specs), /bad flag syntax/);
});

test('everything after -- is positional and untouched', () => {
  const specs = [{ name: 'role', type: 'string' as const, usage: '' }, { name: 'namespace', type: 'string' as const, usage: '' }];
  const late = new Set(['namespace']);
  const a = parseFlags(['-role', 'deploy', '--', 'kubectl', 'apply', '--namespace', 'prod', '-h'], specs, late);
  assert.deepEqual(a.args, ['kubectl', 'apply', '--namespace', 'prod', '-h']);
  assert.equal(a.flags.str('namespace'), undefined);
  assert.deepEqual(a.warnings, []);
  const b = parseFlags(['-role', 'deploy', 'make', '--', '-namespace', 'x'], specs, late);
  assert.deepEqual(b.args, ['make', '-namespace', 'x']);
  assert.deepEqual(b.warnings, []);
});
