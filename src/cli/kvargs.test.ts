import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { isLosslessNumber, toJson } from '../client/json.ts';
import { UsageError } from './flags.ts';
import { parseKvArgs, parseStringPairs } from './kvargs.ts';

const noStdin = { readStdin: () => Promise.reject(new Error('no stdin in this test')) };
const stdin = (text: string) => ({ readStdin: () => Promise.resolve(text) });

test('k=v pairs; "=" inside values; repeated keys become lists', async () => {
  assert.deepEqual(await parseKvArgs(['a=1', 'b=x=y', 'c=', 'a=2', 'a=3'], noStdin), { a: ['1', '2', '3'], b: 'x=y', c: '' });
});

test('k=@file reads a file; k=\\@x is the literal @x', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'keep-kvargs-'));
  const f = path.join(dir, 'cert.pem');
  await writeFile(f, 'line1\nline2\n');
  assert.deepEqual(await parseKvArgs([`cert=@${f}`, 'x=\\@home'], noStdin), { cert: 'line1\nline2\n', x: '@home' });
});

test('k=- reads the value from stdin', async () => {
  assert.deepEqual(await parseKvArgs(['password=-'], stdin('s3cret')), { password: 's3cret' });
});

test('"-" reads a JSON object from stdin, keeping large numbers exact', async () => {
  const out = await parseKvArgs(['-', 'extra=1'], stdin('{"n": 12345678901234567890, "s": "x", "o": {"k": true}}'));
  assert.ok(isLosslessNumber(out.n));
  assert.equal(toJson(out), '{"n":12345678901234567890,"s":"x","o":{"k":true},"extra":"1"}');
});

test('rejections: no "=", empty key, missing file, bad JSON, non-object JSON, stdin twice', async () => {
  await assert.rejects(parseKvArgs(['novalue'], noStdin), (e: unknown) => e instanceof UsageError && /format must be key=value/.test(e.message));
  await assert.rejects(parseKvArgs(['=v'], noStdin), /format must be key=value/);
  await assert.rejects(parseKvArgs(['k=@/nonexistent/file'], noStdin), /error reading file "\/nonexistent\/file" for key "k"/);
  await assert.rejects(parseKvArgs(['k=@'], noStdin), /missing file name/);
  await assert.rejects(parseKvArgs(['-'], stdin('{bad')), /failed to parse JSON from stdin/);
  await assert.rejects(parseKvArgs(['-'], stdin('[1,2]')), /expected a JSON object/);
  await assert.rejects(parseKvArgs(['a=-', 'b=-'], stdin('x')), /stdin already consumed/);
});

test('string pairs for -metadata / -options', () => {
  assert.deepEqual(parseStringPairs(['a=1', 'b=x=y'], 'metadata'), { a: '1', b: 'x=y' });
  assert.throws(() => parseStringPairs(['oops'], 'metadata'), /invalid value "oops" for -metadata/);
});

test('@file.json alone is the JSON body, as with vault write path @file.json', async () => {
  const files: Record<string, string> = { 'role.json': '{"user_claim":"sub","bound_audiences":["a"]}', 'list.json': '[1]' };
  const src = { readStdin: async () => '', readFile: async (p: string) => files[p] ?? Promise.reject(new Error('ENOENT')) };
  assert.deepEqual(await parseKvArgs(['@role.json', 'token_ttl=10m'], src), { user_claim: 'sub', bound_audiences: ['a'], token_ttl: '10m' });
  await assert.rejects(parseKvArgs(['@list.json'], src), /expected a JSON object/);
  await assert.rejects(parseKvArgs(['@missing.json'], src), /error reading file "missing.json"/);
  await assert.rejects(parseKvArgs(['@'], src), /missing file name/);
});
