/**
 * A Shamir-sealed server from a config file (spec/core.md 2.1-2.3, 1.4): sys/health codes while
 * uninitialised, sealed and unsealed; `keep operator init` with 5 shares / threshold 3; unseal
 * through the CLI (base64 and hex shares), a wrong share and a malformed key rejected; `keep
 * operator seal`; and the listener's max_request_size (413).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Api, dataOf, errorsOf, httpRequest, obj, show } from '../helpers/http.ts';
import { expectExit, runCli, startKeep, useKeepHooks } from '../helpers/server.ts';

useKeepHooks();

const CONFIG = `
storage "inmem" {}
listener "tcp" {
  address = "127.0.0.1:{{port}}"
  tls_disable = true
  max_request_size = 4096
}
log_level = "warn"
`;

async function health(addr: string, query = ''): Promise<{ status: number; body: Record<string, unknown> }> {
  const r = await httpRequest(addr, 'GET', `/v1/sys/health${query}`);
  return { status: r.status, body: obj(r.json, `health body ${show(r)}`) };
}

async function sealStatus(addr: string): Promise<Record<string, unknown>> {
  const r = await httpRequest(addr, 'GET', '/v1/sys/seal-status');
  assert.equal(r.status, 200, show(r));
  return obj(r.json);
}

test('uninitialised 501 -> operator init -> sealed 503 -> unseal 3 of 5 -> 200 -> seal -> 503', { timeout: 150_000 }, async () => {
  const server = await startKeep({ config: CONFIG });
  const addr = server.addr;

  // Uninitialised.
  let h = await health(addr);
  assert.equal(h.status, 501);
  assert.equal(h.body.initialized, false);
  assert.equal(h.body.sealed, true);
  assert.equal((await health(addr, '?uninitcode=299')).status, 299);
  const init0 = await httpRequest(addr, 'GET', '/v1/sys/init');
  assert.deepEqual(init0.json, { initialized: false });
  const s0 = await sealStatus(addr);
  assert.equal(s0.initialized, false);
  assert.equal(s0.sealed, true);
  assert.equal(s0.type, 'shamir');
  const logical = await httpRequest(addr, 'GET', '/v1/secret/data/x', { token: 'anything' });
  assert.equal(logical.status, 503, show(logical));
  assert.ok(errorsOf(logical).some((e) => e.includes('Vault is sealed')), show(logical));

  // operator init (defaults: 5 shares, threshold 3).
  const initRes = expectExit(await runCli(['operator', 'init', '-format=json'], { addr }), 0);
  const init = obj(JSON.parse(initRes.stdout));
  const b64 = init.unseal_keys_b64 as string[];
  const hex = init.unseal_keys_hex as string[];
  const rootToken = String(init.root_token);
  assert.equal(b64.length, 5);
  assert.equal(hex.length, 5);
  for (const k of hex) assert.match(k, /^[0-9a-f]{66}$/);
  assert.equal(init.unseal_threshold, 3);
  assert.match(rootToken, /^hvs\./);
  const again = await httpRequest(addr, 'PUT', '/v1/sys/init', { body: { secret_shares: 1, secret_threshold: 1 } });
  assert.equal(again.status, 400, show(again));
  assert.deepEqual(errorsOf(again), ['Vault is already initialized']);

  // Initialised and sealed.
  h = await health(addr);
  assert.equal(h.status, 503);
  assert.equal(h.body.initialized, true);
  assert.equal(h.body.sealed, true);
  assert.equal((await health(addr, '?sealedcode=200')).status, 200);
  const s1 = await sealStatus(addr);
  assert.equal(s1.t, 3);
  assert.equal(s1.n, 5);
  assert.equal(s1.progress, 0);
  const statusSealed = await runCli(['status'], { addr });
  expectExit(statusSealed, 2);
  assert.match(statusSealed.stdout, /Sealed\s+true/);

  // A malformed key is refused; progress unchanged.
  const malformed = await runCli(['operator', 'unseal', 'not a key!!'], { addr });
  expectExit(malformed, 2);
  assert.match(malformed.stderr, /'key' must be a valid hex or base64 string/);

  // Two good shares, then a corrupted third: the attempt fails and progress resets.
  const u1 = obj(JSON.parse(expectExit(await runCli(['operator', 'unseal', '-format=json', b64[0]], { addr }), 0).stdout));
  assert.equal(u1.progress, 1);
  assert.equal(u1.sealed, true);
  const u2 = obj(JSON.parse(expectExit(await runCli(['operator', 'unseal', '-format=json', hex[1]], { addr }), 0).stdout));
  assert.equal(u2.progress, 2);
  // Same x coordinate as share 3, different y bytes: combines to a wrong key.
  const bad = Buffer.from(hex[2], 'hex');
  for (let i = 0; i < bad.length - 1; i++) bad[i] ^= 0x5a;
  const wrong = await runCli(['operator', 'unseal', bad.toString('hex')], { addr });
  expectExit(wrong, 2);
  const s2 = await sealStatus(addr);
  assert.equal(s2.sealed, true);
  assert.equal(s2.progress, 0, 'progress resets after a failed attempt');
  assert.equal((await health(addr)).status, 503);

  // Three good shares (3rd through the CLI, table output).
  for (const k of [b64[3], hex[4]]) {
    const r = await httpRequest(addr, 'PUT', '/v1/sys/unseal', { body: { key: k } });
    assert.equal(r.status, 200, show(r));
  }
  const u3 = expectExit(await runCli(['operator', 'unseal', b64[0]], { addr }), 0);
  assert.match(u3.stdout, /Sealed\s+false/);
  h = await health(addr);
  assert.equal(h.status, 200);
  assert.equal(h.body.sealed, false);
  assert.equal(h.body.standby, false);
  expectExit(await runCli(['status'], { addr }), 0);

  // The root token from init works; a KV mount to write to.
  const api = new Api(addr, rootToken);
  const m = await api.post('sys/mounts/kv', { type: 'kv' });
  assert.equal(m.status, 204, show(m));
  const small = await api.post('kv/small', { a: 'b' });
  assert.equal(small.status, 204, show(small));

  // max_request_size = 4096: a larger body is refused with 413.
  const big = await api.post('kv/big', { blob: 'x'.repeat(8192) });
  assert.equal(big.status, 413, show(big));
  assert.deepEqual(errorsOf(big), ['error parsing JSON']);
  assert.equal((await api.get('kv/big')).status, 404);

  // operator seal: everything logical is 503 again.
  const sealed = expectExit(await runCli(['operator', 'seal'], { addr, token: rootToken }), 0);
  assert.match(sealed.stdout, /Success! Keep is sealed\./);
  assert.equal((await health(addr)).status, 503);
  const whileSealed = await api.get('kv/small');
  assert.equal(whileSealed.status, 503, show(whileSealed));

  // Unseal again (any 3 shares); the data is still there.
  for (const k of [b64[2], b64[1], hex[0]]) await httpRequest(addr, 'PUT', '/v1/sys/unseal', { body: { key: k } });
  assert.equal((await sealStatus(addr)).sealed, false);
  const back = await api.get('kv/small');
  assert.equal(back.status, 200, show(back));
  assert.deepEqual(dataOf(back), { a: 'b' });
});
