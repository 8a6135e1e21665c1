/**
 * The KV life cycle through the `keep` CLI against a real dev server (spec/core.md 4.2-4.3):
 * put/get (-field, json, yaml), versions, check-and-set, patch, list, delete/undelete/destroy,
 * metadata get/put/delete, a raw `read` of the data path, KV v1 detection, and exit codes.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { Api, dataOf, show } from '../helpers/http.ts';
import type { CliResult, KeepServer } from '../helpers/server.ts';
import { describeCli, expectExit, runCli, startKeep, useKeepHooks } from '../helpers/server.ts';

useKeepHooks();

const T = { timeout: 120_000 };
let server: KeepServer;

before(async () => {
  server = await startKeep({ dev: true });
});

function keep(...args: string[]): Promise<CliResult> {
  return runCli(args, { addr: server.addr, token: 'root' });
}

function json(r: CliResult): Record<string, unknown> {
  expectExit(r, 0);
  try {
    return JSON.parse(r.stdout) as Record<string, unknown>;
  } catch {
    throw new Error(`stdout is not JSON: ${describeCli(r)}`);
  }
}

function field(v: unknown, ...path: string[]): unknown {
  let cur = v;
  for (const p of path) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Record<string, unknown>)[p];
  }
  return cur;
}

test('kv put/get: table, -field, -format=json and -format=yaml, versions', T, async () => {
  const put1 = await keep('kv', 'put', 'secret/app', 'user=ci', 'pass=s3cr3t');
  expectExit(put1, 0);
  assert.match(put1.stdout, /Secret Path/);
  assert.match(put1.stdout, /version\s+1/);

  const put2 = json(await keep('kv', 'put', '-format=json', 'secret/app', 'user=ci', 'pass=v2'));
  assert.equal(field(put2, 'data', 'version'), 2);
  assert.equal(field(put2, 'data', 'destroyed'), false);

  const [table, getJson, getYaml, pass, old] = await Promise.all([
    keep('kv', 'get', 'secret/app'),
    keep('kv', 'get', '-format=json', 'secret/app'),
    keep('kv', 'get', '-format=yaml', 'secret/app'),
    keep('kv', 'get', '-field=pass', 'secret/app'),
    keep('kv', 'get', '-version=1', '-field=pass', 'secret/app'),
  ]);
  expectExit(table, 0);
  assert.match(table.stdout, /^=+ Secret Path =+$/m);
  assert.match(table.stdout, /secret\/data\/app/);
  assert.match(table.stdout, /pass\s+v2/);
  assert.match(table.stdout, /user\s+ci/);

  const gj = json(getJson);
  assert.deepEqual(field(gj, 'data', 'data'), { user: 'ci', pass: 'v2' });
  assert.equal(field(gj, 'data', 'metadata', 'version'), 2);

  expectExit(getYaml, 0);
  const gy = parseYaml(getYaml.stdout) as unknown;
  assert.deepEqual(field(gy, 'data', 'data'), { user: 'ci', pass: 'v2' });
  assert.equal(field(gy, 'data', 'metadata', 'version'), 2);

  // -field prints the raw value (no newline when stdout is not a terminal).
  assert.equal(expectExit(pass, 0).stdout, 'v2');
  assert.equal(expectExit(old, 0).stdout, 's3cr3t');

  // A field that does not exist: exit 1 (local), Vault's message.
  const missing = await keep('kv', 'get', '-field=nope', 'secret/app');
  expectExit(missing, 1);
  assert.match(missing.stderr, /Field "nope" not present in secret/);
});

test('kv put -cas: mismatch is refused with the server message, match writes', T, async () => {
  json(await keep('kv', 'put', '-format=json', 'secret/cas', 'v=1'));
  const bad = await keep('kv', 'put', '-cas=0', 'secret/cas', 'v=2');
  expectExit(bad, 2);
  assert.match(bad.stderr, /check-and-set parameter did not match the current version/);
  const good = json(await keep('kv', 'put', '-format=json', '-cas=1', 'secret/cas', 'v=2'));
  assert.equal(field(good, 'data', 'version'), 2);
});

test('kv patch merges into the current version', T, async () => {
  json(await keep('kv', 'put', '-format=json', 'secret/patchme', 'a=1', 'b=2'));
  const p = json(await keep('kv', 'patch', '-format=json', 'secret/patchme', 'b=3', 'c=4'));
  assert.equal(field(p, 'data', 'version'), 2);
  const g = json(await keep('kv', 'get', '-format=json', 'secret/patchme'));
  assert.deepEqual(field(g, 'data', 'data'), { a: '1', b: '3', c: '4' });
});

test('kv list shows keys and folders; an empty folder is exit 2', T, async () => {
  await Promise.all([
    keep('kv', 'put', 'secret/team/one', 'x=1').then((r) => expectExit(r, 0)),
    keep('kv', 'put', 'secret/team/sub/two', 'x=2').then((r) => expectExit(r, 0)),
  ]);
  const [table, js, none] = await Promise.all([
    keep('kv', 'list', 'secret/team'),
    keep('kv', 'list', '-format=json', 'secret/team/'),
    keep('kv', 'list', 'secret/no-such-folder'),
  ]);
  expectExit(table, 0);
  assert.match(table.stdout, /^Keys\n----\none\nsub\/\n?$/m);
  assert.deepEqual(JSON.parse(expectExit(js, 0).stdout), ['one', 'sub/']);
  expectExit(none, 2);
  assert.match(none.stderr, /No value found at secret\/metadata\/no-such-folder/);
});

test('kv delete/undelete/destroy and reading deleted or destroyed versions', T, async () => {
  json(await keep('kv', 'put', '-format=json', 'secret/life', 'v=one'));
  json(await keep('kv', 'put', '-format=json', 'secret/life', 'v=two'));

  const del = await keep('kv', 'delete', 'secret/life');
  expectExit(del, 0);
  assert.match(del.stdout, /Success! Data deleted \(if it existed\) at: secret\/data\/life/);

  // `kv get` of a deleted version: the server answers 404 with the version metadata; the CLI
  // shows it (exit 0, no data, deletion_time set) like Vault's CLI.
  const deleted = await keep('kv', 'get', '-format=json', 'secret/life');
  const dj = json(deleted);
  assert.equal(field(dj, 'data', 'data'), null);
  assert.equal(field(dj, 'data', 'metadata', 'version'), 2);
  assert.notEqual(field(dj, 'data', 'metadata', 'deletion_time'), '');
  const deletedTable = await keep('kv', 'get', 'secret/life');
  expectExit(deletedTable, 0);
  assert.match(deletedTable.stdout, /deletion_time\s+\d{4}-\d\d-\d\dT/);
  assert.doesNotMatch(deletedTable.stdout, /== Data ==/);

  // The older version is still readable.
  assert.equal(expectExit(await keep('kv', 'get', '-version=1', '-field=v', 'secret/life'), 0).stdout, 'one');

  const und = await keep('kv', 'undelete', '-versions=2', 'secret/life');
  expectExit(und, 0);
  assert.equal(expectExit(await keep('kv', 'get', '-field=v', 'secret/life'), 0).stdout, 'two');

  const des = await keep('kv', 'destroy', '-versions=1', 'secret/life');
  expectExit(des, 0);
  const destroyed = json(await keep('kv', 'get', '-format=json', '-version=1', 'secret/life'));
  assert.equal(field(destroyed, 'data', 'data'), null);
  assert.equal(field(destroyed, 'data', 'metadata', 'destroyed'), true);

  // Missing -versions is a usage error (exit 2).
  const noVersions = await keep('kv', 'destroy', 'secret/life');
  expectExit(noVersions, 2);
  assert.match(noVersions.stderr, /No versions provided/);
});

test('kv metadata get/put/delete', T, async () => {
  json(await keep('kv', 'put', '-format=json', 'secret/meta', 'k=1'));
  json(await keep('kv', 'put', '-format=json', 'secret/meta', 'k=2'));

  const put = await keep('kv', 'metadata', 'put', '-max-versions=5', '-custom-metadata=owner=platform', 'secret/meta');
  expectExit(put, 0);
  assert.match(put.stdout, /Success! Data written to: secret\/metadata\/meta/);

  const m = json(await keep('kv', 'metadata', 'get', '-format=json', 'secret/meta'));
  assert.equal(field(m, 'data', 'current_version'), 2);
  assert.equal(field(m, 'data', 'oldest_version'), 0);
  assert.equal(field(m, 'data', 'max_versions'), 5);
  assert.deepEqual(field(m, 'data', 'custom_metadata'), { owner: 'platform' });
  assert.deepEqual(Object.keys(field(m, 'data', 'versions') as object).sort(), ['1', '2']);

  const table = await keep('kv', 'metadata', 'get', 'secret/meta');
  expectExit(table, 0);
  assert.match(table.stdout, /^=+ Metadata Path =+$/m);
  assert.match(table.stdout, /current_version\s+2/);
  assert.match(table.stdout, /=+ Version 1 =+/);

  // The version read carries the key's custom metadata.
  const g = json(await keep('kv', 'get', '-format=json', 'secret/meta'));
  assert.deepEqual(field(g, 'data', 'metadata', 'custom_metadata'), { owner: 'platform' });

  const del = await keep('kv', 'metadata', 'delete', 'secret/meta');
  expectExit(del, 0);
  const gone = await keep('kv', 'get', 'secret/meta');
  expectExit(gone, 2);
  assert.match(gone.stderr, /No value found at secret\/data\/meta/);
  const goneMeta = await keep('kv', 'metadata', 'get', 'secret/meta');
  expectExit(goneMeta, 2);
});

test('read/write on the raw data path and KV v1 through the same commands', T, async () => {
  json(await keep('kv', 'put', '-format=json', 'secret/raw', 'token=abc'));
  // `read secret/data/raw` shows the raw KV v2 answer: data.data and data.metadata.
  const raw = json(await keep('read', '-format=json', 'secret/data/raw'));
  assert.deepEqual(field(raw, 'data', 'data'), { token: 'abc' });
  assert.equal(field(raw, 'data', 'metadata', 'version'), 1);
  const rawTable = await keep('read', 'secret/data/raw');
  expectExit(rawTable, 0);
  assert.match(rawTable.stdout, /data\s+map\[token:abc\]/);

  // A KV v1 mount: the CLI detects the version and uses the plain paths.
  expectExit(await keep('secrets', 'enable', '-path=kv1', '-version=1', 'kv'), 0);
  expectExit(await keep('kv', 'put', 'kv1/app', 'x=1'), 0);
  assert.equal(expectExit(await keep('kv', 'get', '-field=x', 'kv1/app'), 0).stdout, '1');
  assert.equal(expectExit(await keep('read', '-field=x', 'kv1/app'), 0).stdout, '1');
  // The same data is where KV v1 keeps it (no data/ prefix).
  const api = new Api(server.addr, 'root');
  const v1 = await api.get('kv1/app');
  assert.equal(v1.status, 200, show(v1));
  assert.deepEqual(dataOf(v1), { x: '1' });
});

test('exit codes: 0 ok, 1 local error, 2 server or usage error', T, async () => {
  const [usage, noData, badFormat, denied, badFlag] = await Promise.all([
    keep('kv', 'get'),
    keep('kv', 'put', 'secret/x'),
    keep('kv', 'get', '-format=xml', 'secret/app'),
    runCli(['kv', 'get', 'secret/app'], { addr: server.addr, token: 'bogus-token' }),
    keep('kv', 'get', '-no-such-flag', 'secret/app'),
  ]);
  expectExit(usage, 2);
  assert.match(usage.stderr, /Not enough arguments/);
  expectExit(noData, 2);
  assert.match(noData.stderr, /Must supply data/);
  expectExit(badFormat, 1);
  assert.match(badFormat.stderr, /Invalid output format: xml/);
  expectExit(denied, 2);
  assert.match(denied.stderr, /Code: 403/);
  expectExit(badFlag, 2);
  // Nothing listens here: a connection error is also exit 2.
  const refused = await runCli(['kv', 'get', 'secret/app'], { addr: 'http://127.0.0.1:1', token: 'root', env: { KEEP_MAX_RETRIES: '0' } });
  expectExit(refused, 2);
});
