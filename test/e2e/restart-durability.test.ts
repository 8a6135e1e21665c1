/**
 * Durability of a SQLite-backed server with a static seal (key from the environment):
 * concurrent KV v2 writers, SIGKILL mid-stream, restart on the same data (auto-unseal), and every
 * write the server acknowledged with 200 is there with the acknowledged version. A clean SIGTERM
 * exits 0 and keeps the data too.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { Api, dataOf, obj, show } from '../helpers/http.ts';
import type { KeepServer } from '../helpers/server.ts';
import { sleep, startKeep, tempDir, useKeepHooks } from '../helpers/server.ts';

useKeepHooks();

const SEAL_KEY = randomBytes(32).toString('hex');
const CONFIG = `
storage "sqlite" {
  path = "{{dataDir}}/keep.db"
}
listener "tcp" {
  address = "127.0.0.1:{{port}}"
  tls_disable = true
}
seal "static" {
  current_key_id = "k1"
  current_key = "env://KEEP_TEST_SEAL_KEY"
}
default_lease_ttl = "1h"
max_lease_ttl = "24h"
log_level = "warn"
`;

const WRITERS = 8;

interface Ack {
  key: string;
  version: number;
  value: string;
}

async function start(dataDir: string, port?: number): Promise<KeepServer> {
  return startKeep({ config: CONFIG, dataDir, port, env: { KEEP_TEST_SEAL_KEY: SEAL_KEY } });
}

async function waitUnsealed(api: Api): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const h = await api.get('sys/health');
    if (h.status === 200) return;
    if (Date.now() > deadline) assert.fail(`server never became active after restart: ${show(h)}`);
    await sleep(200);
  }
}

async function initAndMount(server: KeepServer): Promise<Api> {
  const anon = new Api(server.addr);
  const init = await anon.put('sys/init', { recovery_shares: 1, recovery_threshold: 1 });
  assert.equal(init.status, 200, show(init));
  const api = new Api(server.addr, String(obj(init.json).root_token));
  await waitUnsealed(api);
  const m = await api.post('sys/mounts/kv', { type: 'kv', options: { version: '2' } });
  assert.equal(m.status, 204, show(m));
  return api;
}

/** One writer: distinct keys (version 1 each) and one hot key it overwrites. Stops on any failure. */
async function writer(api: Api, id: number, acks: Ack[], hot: Map<string, Ack>, stop: { now: boolean }): Promise<number> {
  let n = 0;
  while (!stop.now) {
    n++;
    const distinct = n % 2 === 1;
    const key = distinct ? `w${id}/k${n}` : `hot/w${id}`;
    const value = `w${id}-n${n}-${'v'.repeat(64)}`;
    let res;
    try {
      res = await api.post(`kv/data/${key}`, { data: { value } }, { timeoutMs: 10_000 });
    } catch {
      return n; // connection refused/reset: the server is gone
    }
    if (res.status !== 200) return n;
    const version = Number(obj(obj(res.json).data).version);
    const ack = { key, version, value };
    if (distinct) acks.push(ack);
    else hot.set(key, ack);
  }
  return n;
}

test('SIGKILL mid-stream: every acknowledged write survives the restart (auto-unseal)', { timeout: 150_000 }, async (t) => {
  const dataDir = tempDir();
  const first = await start(dataDir);
  const api = await initAndMount(first);

  const acks: Ack[] = [];
  const hot = new Map<string, Ack>();
  const stop = { now: false };
  const writers = Array.from({ length: WRITERS }, (_, i) => writer(api, i, acks, hot, stop));
  await sleep(1500);
  await first.kill9();
  stop.now = true;
  await Promise.all(writers);
  t.diagnostic(`${acks.length} distinct-key writes and ${hot.size} hot keys acknowledged before SIGKILL`);
  assert.ok(acks.length >= WRITERS, `too few acknowledged writes before the kill (${acks.length}); stderr:\n${first.stderr()}`);

  // Restart on the same data and port: the static seal unseals it by itself.
  const second = await start(dataDir, first.port);
  const api2 = new Api(second.addr, api.token);
  await waitUnsealed(api2);

  const missing: string[] = [];
  const check = async (a: Ack, exact: boolean) => {
    const r = await api2.get(`kv/data/${a.key}?version=${a.version}`);
    if (r.status !== 200) {
      missing.push(`${a.key} v${a.version}: ${show(r)}`);
      return;
    }
    const d = dataOf(r);
    if (obj(d.data).value !== a.value) missing.push(`${a.key} v${a.version}: value ${JSON.stringify(d.data)} != ${a.value}`);
    if (exact && obj(d.metadata).version !== a.version) missing.push(`${a.key}: version ${JSON.stringify(d.metadata)}`);
  };
  const all = [...acks.map((a) => [a, true] as const), ...[...hot.values()].map((a) => [a, false] as const)];
  for (let i = 0; i < all.length; i += 16) await Promise.all(all.slice(i, i + 16).map(([a, exact]) => check(a, exact)));
  assert.deepEqual(missing, [], `${missing.length} of ${all.length} acknowledged writes lost`);

  // A hot key's current version is at least the last acknowledged one (an unacknowledged write
  // in flight at the kill may have landed after it).
  for (const a of hot.values()) {
    const meta = await api2.get(`kv/metadata/${a.key}`);
    assert.equal(meta.status, 200, show(meta));
    assert.ok(Number(dataOf(meta).current_version) >= a.version, `${a.key}: current ${dataOf(meta).current_version} < acknowledged ${a.version}`);
  }

  // The restarted server takes writes.
  const after = await api2.post('kv/data/after-restart', { data: { ok: 'yes' } });
  assert.equal(after.status, 200, show(after));
  await second.kill9();
});

test('SIGTERM: clean exit 0, data and root token still there after restart', { timeout: 120_000 }, async () => {
  const dataDir = tempDir();
  const first = await start(dataDir);
  const api = await initAndMount(first);
  for (let i = 0; i < 20; i++) {
    const r = await api.post(`kv/data/clean/${i}`, { data: { i: String(i) } });
    assert.equal(r.status, 200, show(r));
  }
  const pol = await api.put('sys/policies/acl/survivor', { policy: 'path "kv/data/clean/*" { capabilities = ["read"] }' });
  assert.equal(pol.status, 204, show(pol));

  const code = await first.stop('SIGTERM');
  assert.equal(code, 0, `exit code after SIGTERM; stderr:\n${first.stderr()}`);

  const second = await start(dataDir);
  const api2 = new Api(second.addr, api.token);
  await waitUnsealed(api2);
  for (let i = 0; i < 20; i++) {
    const r = await api2.get(`kv/data/clean/${i}`);
    assert.equal(r.status, 200, show(r));
    assert.deepEqual(obj(dataOf(r).data), { i: String(i) });
  }
  const p = await api2.get('sys/policies/acl/survivor');
  assert.equal(p.status, 200, show(p));
  const mounts = await api2.get('sys/mounts');
  assert.deepEqual(obj(dataOf(mounts)['kv/']).options, { version: '2' });
  assert.equal(await second.stop('SIGTERM'), 0, `second SIGTERM; stderr:\n${second.stderr()}`);
});

test('a wrong static seal key does not unseal the data', { timeout: 120_000 }, async (t) => {
  const dataDir = tempDir();
  const first = await start(dataDir);
  await initAndMount(first);
  await first.stop('SIGTERM');
  const other = randomBytes(32).toString('hex');
  let server: KeepServer | undefined;
  try {
    server = await startKeep({ config: CONFIG, dataDir, env: { KEEP_TEST_SEAL_KEY: other } });
  } catch (e) {
    // Refusing to start is fine too; it must not serve the data.
    assert.match((e as Error).message, /exited before answering/);
    t.diagnostic('the server refused to start with the wrong seal key');
    return;
  }
  const h = await new Api(server.addr).get('sys/health');
  assert.notEqual(h.status, 200, `a server with the wrong seal key reports active: ${show(h)}`);
  t.diagnostic(`the server started sealed with the wrong seal key (health ${h.status})`);
});
