/**
 * ACL policies end to end (spec/core.md 2.7, 2.8, 3): `policy write` from a file and from stdin,
 * tokens carrying them, allowed and denied paths over HTTP and the CLI, the governing-rule
 * semantics of deny, `token capabilities`, `policy list/read/delete`, and parse errors.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { before, test } from 'node:test';
import { Api, dataOf, errorsOf, obj, show } from '../helpers/http.ts';
import type { CliResult, KeepServer } from '../helpers/server.ts';
import { expectExit, runCli, startKeep, tempDir, useKeepHooks } from '../helpers/server.ts';

useKeepHooks();

const T = { timeout: 120_000 };
let server: KeepServer;
let root: Api;

const CI_READ = `# CI may read its own secrets
path "secret/data/ci/*" {
  capabilities = ["read", "list"]
}

path "secret/metadata/ci/*" {
  capabilities = ["list"]
}

path "secret/data/ci/prod/*" {
  capabilities = ["deny"]
}

path "secret/data/ci/shared" {
  capabilities = ["read"]
}
`;

const CI_DENY = `path "secret/data/ci/shared" {
  capabilities = ["deny"]
}
`;

// An exact rule shadows the glob completely; a deny on a less specific glob does not stop it.
const EXACT = `path "secret/data/*" {
  capabilities = ["deny"]
}

path "secret/data/team/app" {
  capabilities = ["read"]
}
`;

function keep(args: string[], opts: { token?: string; stdin?: string } = {}): Promise<CliResult> {
  return runCli(args, { addr: server.addr, token: opts.token ?? 'root', stdin: opts.stdin });
}

async function createToken(policies: string[]): Promise<string> {
  const r = await root.post('auth/token/create', { policies, ttl: '1h' });
  assert.equal(r.status, 200, show(r));
  const auth = obj(obj(r.json).auth, 'auth');
  return String(auth.client_token);
}

before(async () => {
  server = await startKeep({ dev: true });
  root = new Api(server.addr, 'root');
  for (const [p, v] of [
    ['ci/app', 'app'],
    ['ci/prod/db', 'prod'],
    ['ci/shared', 'shared'],
    ['other', 'other'],
    ['team/app', 'team'],
    ['team/other', 'other'],
  ]) {
    const r = await root.post(`secret/data/${p}`, { data: { v } });
    assert.equal(r.status, 200, show(r));
  }
});

test('policy write from a file and from stdin; token with them; allowed and denied paths', T, async () => {
  const dir = tempDir();
  const file = path.join(dir, 'ci-read.hcl');
  writeFileSync(file, CI_READ);
  const w1 = await keep(['policy', 'write', 'ci-read', file]);
  expectExit(w1, 0);
  assert.match(w1.stdout, /Success! Uploaded policy: ci-read/);
  const w2 = await keep(['policy', 'write', 'ci-deny', '-'], { stdin: CI_DENY });
  expectExit(w2, 0);
  assert.match(w2.stdout, /Success! Uploaded policy: ci-deny/);

  // A token with both policies, created through the CLI.
  const created = await keep(['token', 'create', '-policy=ci-read', '-policy=ci-deny', '-format=json']);
  const auth = obj(obj(JSON.parse(expectExit(created, 0).stdout)).auth, 'auth');
  const token = String(auth.client_token);
  assert.deepEqual(auth.policies, ['ci-deny', 'ci-read', 'default']);
  const ci = root.withToken(token);

  // Allowed.
  const app = await ci.get('secret/data/ci/app');
  assert.equal(app.status, 200, show(app));
  assert.deepEqual(obj(dataOf(app).data), { v: 'app' });
  const list = await ci.list('secret/metadata/ci/');
  assert.equal(list.status, 200, show(list));
  assert.deepEqual(dataOf(list).keys, ['app', 'prod/', 'shared']);

  // Denied: outside the policy, a more specific deny, a write without update, deny in another policy.
  for (const [method, p] of [
    ['GET', 'secret/data/other'],
    ['GET', 'secret/data/ci/prod/db'],
    ['GET', 'secret/data/ci/shared'],
    ['GET', 'sys/mounts'],
  ]) {
    const r = await ci.req(method, p);
    assert.equal(r.status, 403, `${method} ${p}: ${show(r)}`);
    assert.ok(errorsOf(r).some((e) => e.includes('permission denied')), `${method} ${p}: ${show(r)}`);
  }
  const write = await ci.post('secret/data/ci/app', { data: { v: 'x' } });
  assert.equal(write.status, 403, show(write));

  // Through the CLI: allowed read works, denied read is exit 2 with "permission denied".
  const ok = await keep(['kv', 'get', '-field=v', 'secret/ci/app'], { token });
  assert.equal(expectExit(ok, 0).stdout, 'app');
  const no = await keep(['kv', 'get', 'secret/ci/prod/db'], { token });
  expectExit(no, 2);
  assert.match(no.stderr, /permission denied/);

  // token capabilities: for another token, for the caller, and for root.
  const [capsOther, capsDeny, capsRoot] = await Promise.all([
    keep(['token', 'capabilities', token, 'secret/data/ci/app']),
    keep(['token', 'capabilities', 'secret/data/ci/prod/db'], { token }),
    keep(['token', 'capabilities', 'secret/data/anything']),
  ]);
  assert.equal(expectExit(capsOther, 0).stdout.trim(), 'list, read');
  assert.equal(expectExit(capsDeny, 0).stdout.trim(), 'deny');
  assert.equal(expectExit(capsRoot, 0).stdout.trim(), 'root');
  const capsHttp = await ci.post('sys/capabilities-self', { paths: ['secret/data/ci/shared', 'secret/data/ci/app'] });
  assert.equal(capsHttp.status, 200, show(capsHttp));
  assert.deepEqual(dataOf(capsHttp)['secret/data/ci/shared'], ['deny']);
  assert.deepEqual(dataOf(capsHttp)['secret/data/ci/app'], ['list', 'read']);

  // Deleting the deny policy takes effect for the existing token at once.
  const del = await keep(['policy', 'delete', 'ci-deny']);
  expectExit(del, 0);
  assert.match(del.stdout, /Success! Deleted policy: ci-deny/);
  const shared = await ci.get('secret/data/ci/shared');
  assert.equal(shared.status, 200, show(shared));
  const readDeleted = await keep(['policy', 'read', 'ci-deny']);
  expectExit(readDeleted, 2);
  assert.match(readDeleted.stderr, /No policy named: ci-deny/);
});

test('deny wins only in the governing rule: an exact rule shadows a broader deny', T, async () => {
  const w = await keep(['policy', 'write', 'exact', '-'], { stdin: EXACT });
  expectExit(w, 0);
  const token = await createToken(['exact']);
  const t = root.withToken(token);
  const app = await t.get('secret/data/team/app');
  assert.equal(app.status, 200, show(app));
  const other = await t.get('secret/data/team/other');
  assert.equal(other.status, 403, show(other));
  const caps = await keep(['token', 'capabilities', token, 'secret/data/team/app']);
  assert.equal(expectExit(caps, 0).stdout.trim(), 'read');
});

test('policy list (root last), policy read, HTTP reads of sys/policies/acl', T, async () => {
  expectExit(await keep(['policy', 'write', 'zeta', '-'], { stdin: 'path "secret/data/z" { capabilities = ["read"] }' }), 0);
  expectExit(await keep(['policy', 'write', 'Alpha', '-'], { stdin: 'path "secret/data/a" { capabilities = ["read"] }' }), 0);
  const list = await keep(['policy', 'list']);
  const names = expectExit(list, 0).stdout.trim().split('\n');
  assert.equal(names[names.length - 1], 'root', list.stdout);
  assert.ok(names.includes('default'), list.stdout);
  assert.ok(names.includes('alpha'), `names are lower-cased: ${list.stdout}`);
  assert.ok(names.includes('zeta'), list.stdout);
  const stored = names.slice(0, -1);
  assert.deepEqual(stored, [...stored].sort(), 'stored names in lexical order');
  assert.ok(!names.includes('response-wrapping'));

  const read = await keep(['policy', 'read', 'zeta']);
  assert.equal(expectExit(read, 0).stdout.trim(), 'path "secret/data/z" { capabilities = ["read"] }');

  const httpList = await root.list('sys/policies/acl');
  assert.equal(httpList.status, 200, show(httpList));
  const keys = dataOf(httpList).keys as string[];
  assert.equal(keys[keys.length - 1], 'root');
  const httpRead = await root.get('sys/policies/acl/zeta');
  assert.equal(httpRead.status, 200, show(httpRead));
  assert.deepEqual(dataOf(httpRead), { name: 'zeta', policy: 'path "secret/data/z" { capabilities = ["read"] }' });
  const missing = await root.get('sys/policies/acl/no-such-policy');
  assert.equal(missing.status, 404, show(missing));
  assert.deepEqual(missing.json, { errors: [] });
});

test('invalid policies are refused with exit 2 and the parse error; reserved names', T, async () => {
  const [syntax, badCap, badKey, rootPolicy, delDefault] = await Promise.all([
    keep(['policy', 'write', 'broken', '-'], { stdin: 'path "secret/x" { capabilities = ["read" }' }),
    keep(['policy', 'write', 'broken', '-'], { stdin: 'path "secret/x" { capabilities = ["fly"] }' }),
    keep(['policy', 'write', 'broken', '-'], { stdin: 'path "secret/x" { capabilities = ["read"] colour = "red" }' }),
    keep(['policy', 'write', 'root', '-'], { stdin: 'path "x" { capabilities = ["read"] }' }),
    keep(['policy', 'delete', 'default']),
  ]);
  expectExit(syntax, 2);
  assert.match(syntax.stderr, /failed to parse policy/);
  expectExit(badCap, 2);
  assert.match(badCap.stderr, /failed to parse policy/);
  assert.match(badCap.stderr, /invalid capability "fly"/);
  expectExit(badKey, 2);
  assert.match(badKey.stderr, /failed to parse policy/);
  assert.match(badKey.stderr, /invalid key/);
  expectExit(rootPolicy, 2);
  assert.match(rootPolicy.stderr, /cannot update "root" policy/);
  expectExit(delDefault, 2);
  assert.match(delDefault.stderr, /cannot delete default policy/);
  // Nothing was stored under the broken name.
  const read = await root.get('sys/policies/acl/broken');
  assert.equal(read.status, 404, show(read));
  // A missing policy file is a local error.
  const noFile = await keep(['policy', 'write', 'x', path.join(tempDir(), 'missing.hcl')]);
  expectExit(noFile, 1);
});
