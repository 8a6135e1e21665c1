/**
 * `keep server -dev` (spec/core.md 6.7): chosen root token id, root token printed on stdout,
 * secret/ is KV v2 with Vault's description, default mounts, token file behaviour.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { Api, dataOf, obj, show } from '../helpers/http.ts';
import { sleep, startKeep, useKeepHooks } from '../helpers/server.ts';

useKeepHooks();

const T = { timeout: 90_000 };

async function waitForStdout(server: { stdout(): string }, re: RegExp, ms = 10_000): Promise<string> {
  const deadline = Date.now() + ms;
  while (!re.test(server.stdout())) {
    if (Date.now() > deadline) assert.fail(`stdout never matched ${re}; stdout was:\n${server.stdout()}`);
    await sleep(100);
  }
  return server.stdout();
}

test('dev server: -dev-root-token-id, stdout, secret/ is KV v2, default mounts', T, async () => {
  const server = await startKeep({ dev: true, rootToken: 'e2e-dev-root' });
  const api = new Api(server.addr, 'e2e-dev-root');

  // The root token (and an unseal key) are printed on stdout.
  const out = await waitForStdout(server, /e2e-dev-root/);
  assert.match(out, /Root Token:\s*e2e-dev-root/, `stdout:\n${out}`);
  assert.match(out, /Unseal Key:\s*\S+/, `stdout:\n${out}`);
  // -dev-no-store-token: nothing written to the token file.
  assert.equal(existsSync(server.tokenFile), false, 'token file written despite -dev-no-store-token');

  // The chosen id is a root token without parent or default policy.
  const self = await api.get('auth/token/lookup-self');
  assert.equal(self.status, 200, show(self));
  const d = dataOf(self);
  assert.equal(d.id, 'e2e-dev-root');
  assert.deepEqual(d.policies, ['root']);
  assert.equal(d.orphan, true);

  // Any other token is refused.
  const other = await api.withToken('not-a-token').get('auth/token/lookup-self');
  assert.equal(other.status, 403, show(other));

  // Health and seal status of a dev server.
  const health = await api.get('sys/health');
  assert.equal(health.status, 200, show(health));
  assert.equal(obj(health.json).initialized, true);
  assert.equal(obj(health.json).sealed, false);
  const seal = await api.get('sys/seal-status');
  assert.equal(seal.status, 200, show(seal));
  assert.equal(obj(seal.json).storage_type, 'inmem');
  assert.equal(obj(seal.json).t, 1);
  assert.equal(obj(seal.json).n, 1);

  // sys/mounts: secret/ is kv v2 with Vault's description, plus the default mounts.
  const mounts = await api.get('sys/mounts');
  assert.equal(mounts.status, 200, show(mounts));
  const md = dataOf(mounts);
  const secret = obj(md['secret/'], 'secret/ mount');
  assert.equal(secret.type, 'kv');
  assert.deepEqual(secret.options, { version: '2' });
  assert.equal(secret.description, 'key/value secret storage');
  assert.match(String(secret.accessor), /^kv_[0-9a-f]{8}$/);
  assert.equal(obj(md['cubbyhole/']).type, 'cubbyhole');
  assert.equal(obj(md['identity/']).type, 'identity');
  assert.equal(obj(md['sys/']).type, 'system');
  // sys/mounts also injects the data keys at top level (spec/core.md 1.6).
  assert.equal(obj(obj(mounts.json)['secret/'], 'top-level secret/').type, 'kv');

  // The token auth mount is there.
  const auths = await api.get('sys/auth');
  assert.equal(auths.status, 200, show(auths));
  assert.equal(obj(dataOf(auths)['token/']).type, 'token');

  // secret/ works as KV v2 right away.
  const w = await api.post('secret/data/hello', { data: { who: 'dev' } });
  assert.equal(w.status, 200, show(w));
  assert.equal(dataOf(w).version, 1);
  const r = await api.get('secret/data/hello');
  assert.equal(r.status, 200, show(r));
  assert.deepEqual(obj(dataOf(r).data), { who: 'dev' });
});

test('dev server without -dev-no-store-token stores the root token in the token file', T, async () => {
  const server = await startKeep({ dev: true, rootToken: 'stored-root', storeToken: true });
  const deadline = Date.now() + 10_000;
  while (!existsSync(server.tokenFile) && Date.now() < deadline) await sleep(100);
  assert.equal(existsSync(server.tokenFile), true, `no token file at KEEP_TOKEN_FILE; stdout:\n${server.stdout()}`);
  assert.equal(readFileSync(server.tokenFile, 'utf8').trim(), 'stored-root');
  const code = await server.stop();
  assert.equal(code, 0, `SIGTERM exit code; stderr:\n${server.stderr()}`);
});

test('dev server without a chosen id prints a generated hvs. root token that works', T, async () => {
  const server = await startKeep({ dev: true, rootToken: '' });
  const out = await waitForStdout(server, /Root Token:\s*\S+/);
  const m = /Root Token:\s*(\S+)/.exec(out);
  assert.ok(m, out);
  const token = m[1];
  assert.match(token, /^hvs\.[A-Za-z0-9_-]{24,}$/);
  const self = await new Api(server.addr, token).get('auth/token/lookup-self');
  assert.equal(self.status, 200, show(self));
  assert.deepEqual(dataOf(self).policies, ['root']);
});
