import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { KeepClient } from './client.ts';
import { KeepApiError, KeepConnectionError } from './errors.ts';
import { isLosslessNumber, parseJson, toJson } from './json.ts';
import { envelope, startMockServer } from './mock-server.ts';
import type { MockServer } from './mock-server.ts';

let srv: MockServer;
before(async () => {
  srv = await startMockServer();
});
after(async () => {
  await srv.close();
});
beforeEach(() => {
  srv.requests.length = 0;
});

function client(extra: Partial<ConstructorParameters<typeof KeepClient>[0]> = {}): KeepClient {
  return new KeepClient({ address: srv.url, token: 'hvs.test', retryMinBackoffMs: 1, retryMaxBackoffMs: 2, ...extra });
}

test('a GET that fails with 5xx is retried until it succeeds', async () => {
  let calls = 0;
  srv.on('GET /v1/secret/flaky', () => (++calls < 3 ? { status: 503, body: { errors: ['Vault is sealed'] } } : { status: 200, body: envelope({ a: 'b' }) }));
  const c = client();
  const s = await c.read('secret/flaky');
  assert.deepEqual(s?.data, { a: 'b' });
  assert.equal(calls, 3);
  c.close();
});

test('retries stop after the configured count and the last error is thrown', async () => {
  let calls = 0;
  srv.on('GET /v1/secret/down', () => {
    calls++;
    return { status: 500, body: { errors: ['internal error'] } };
  });
  const c = client({ retries: 1 });
  await assert.rejects(c.read('secret/down'), (e: unknown) => e instanceof KeepApiError && e.status === 500 && e.errors[0] === 'internal error');
  assert.equal(calls, 2);
  c.close();
});

test('a 4xx is never retried', async () => {
  let calls = 0;
  srv.on('GET /v1/secret/denied', () => {
    calls++;
    return { status: 403, body: { errors: ['permission denied'] } };
  });
  const c = client({ retries: 5 });
  await assert.rejects(c.read('secret/denied'), KeepApiError);
  assert.equal(calls, 1);
  c.close();
});

test('connection errors are retried, then succeed', async () => {
  let calls = 0;
  srv.on('GET /v1/sys/seal-status', () => (++calls < 2 ? { status: 0, hangUp: true } : { status: 200, body: { sealed: false } }));
  const c = client();
  const st = await c.sys.sealStatus();
  assert.equal(st.sealed, false);
  assert.equal(calls, 2);
  c.close();
});

test('writes are not retried by default, but are with retryWrites or a per-request count', async () => {
  let calls = 0;
  srv.on('PUT /v1/secret/w', () => (++calls % 2 === 1 ? { status: 502, body: { errors: ['bad gateway'] } } : { status: 204 }));
  const c = client();
  await assert.rejects(c.write('secret/w', { a: 1 }), (e: unknown) => e instanceof KeepApiError && e.status === 502);
  assert.equal(calls, 1);
  calls = 0;
  assert.equal(await c.write('secret/w', { a: 1 }, { retries: 1 }), null);
  assert.equal(calls, 2);
  calls = 0;
  const c2 = client({ retryWrites: true });
  assert.equal(await c2.write('secret/w', { a: 1 }), null);
  assert.equal(calls, 2);
  c.close();
  c2.close();
});

test('a refused connection becomes KeepConnectionError', async () => {
  const port = await new Promise<number>((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
  const c = new KeepClient({ address: `http://127.0.0.1:${port}`, retries: 0 });
  await assert.rejects(c.read('secret/x'), (e: unknown) => e instanceof KeepConnectionError && e.code === 'ECONNREFUSED');
});

test('a timeout becomes KeepConnectionError(ETIMEDOUT)', async () => {
  srv.on('GET /v1/slow', () => new Promise((r) => setTimeout(() => r({ status: 200, body: envelope({}) }), 300)));
  const c = client({ timeoutMs: 20, retries: 0 });
  await assert.rejects(c.read('slow'), (e: unknown) => e instanceof KeepConnectionError && e.code === 'ETIMEDOUT');
  c.close();
});

test('KeepApiError carries status, errors, reason_code and a Vault-style message', async () => {
  srv.on('POST /v1/auth/jwt/login', { status: 400, body: { errors: ['claim "ref" does not match'], reason_code: 'KEEP_E_CLAIM_MISMATCH' } });
  const c = client();
  const err = await c.login('jwt', { role: 'ci', jwt: 'x' }).catch((e: unknown) => e);
  assert.ok(err instanceof KeepApiError);
  assert.equal(err.status, 400);
  assert.deepEqual(err.errors, ['claim "ref" does not match']);
  assert.equal(err.reasonCode, 'KEEP_E_CLAIM_MISMATCH');
  assert.equal(err.message, `Error making API request.\n\nURL: POST ${srv.url}/v1/auth/jwt/login\nCode: 400. Errors:\n\n* claim "ref" does not match`);
  c.close();
});

test('a non-JSON error body is kept as the raw message', async () => {
  srv.on('GET /v1/raw', { status: 502, text: 'upstream down' });
  const c = client({ retries: 0 });
  const err = await c.read('raw').catch((e: unknown) => e);
  assert.ok(err instanceof KeepApiError);
  assert.match(err.message, /Code: 502\. Raw Message:\n\nupstream down$/);
  c.close();
});

test('headers: token, request marker, namespace, wrap TTL; no token when told', async () => {
  srv.on('GET /v1/secret/h', { status: 200, body: envelope({}) });
  const c = client({ namespace: 'ns1' });
  await c.read('secret/h', undefined, { wrapTTL: '5m' });
  const h = srv.requests[0].headers;
  assert.equal(h['x-vault-token'], 'hvs.test');
  assert.equal(h['x-vault-request'], 'true');
  assert.equal(h['x-vault-namespace'], 'ns1');
  assert.equal(h['x-vault-wrap-ttl'], '5m');
  await c.request('GET', 'secret/h', { noToken: true });
  assert.equal(srv.requests[1].headers['x-vault-token'], undefined);
  c.close();
});

test('list sends GET ?list=true and returns null on 404', async () => {
  srv.on('GET /v1/secret/metadata/', (r) => (r.query.get('list') === 'true' ? { status: 200, body: envelope({ keys: ['a', 'b/'] }) } : { status: 400 }));
  const c = client();
  const s = await c.list('secret/metadata/');
  assert.deepEqual(s?.data?.keys, ['a', 'b/']);
  assert.equal(await c.list('secret/metadata/none/'), null);
  c.close();
});

test('read: plain 404 is null, 404 with data is returned', async () => {
  srv.on('GET /v1/secret/data/gone', { status: 404, body: envelope({ data: null, metadata: { version: 2, deletion_time: 'x' } }) });
  const c = client();
  assert.equal(await c.read('secret/data/none'), null);
  const s = await c.read('secret/data/gone');
  assert.equal((s?.data?.metadata as { version: number }).version, 2);
  c.close();
});

test('patch sends merge-patch content type; write sends JSON', async () => {
  srv.on('PATCH /v1/secret/data/p', { status: 200, body: envelope({ version: 3 }) });
  srv.on('PUT /v1/secret/data/p', { status: 204 });
  const c = client();
  await c.patch('secret/data/p', { data: { a: 1 } });
  assert.equal(srv.requests[0].headers['content-type'], 'application/merge-patch+json');
  assert.deepEqual(JSON.parse(srv.requests[0].body), { data: { a: 1 } });
  await c.write('secret/data/p', { data: {} });
  assert.equal(srv.requests[1].headers['content-type'], 'application/json');
  c.close();
});

test('large numbers survive a read and a write unchanged', async () => {
  srv.on('GET /v1/secret/big', { status: 200, text: '{"data":{"n":12345678901234567890,"f":1.5,"s":3}}' });
  srv.on('PUT /v1/secret/big', { status: 204 });
  const c = client();
  const s = await c.read('secret/big');
  assert.ok(isLosslessNumber(s?.data?.n));
  assert.equal(s?.data?.f, 1.5);
  assert.equal(s?.data?.s, 3);
  await c.write('secret/big', s?.data ?? {});
  assert.equal(srv.requests[1].body, '{"n":12345678901234567890,"f":1.5,"s":3}');
  assert.equal(toJson(parseJson('[1e400]')), '[1e400]');
  c.close();
});

test('login posts without a token and adopts the new one; revoke-self forgets it', async () => {
  srv.on('POST /v1/auth/approle/login', { status: 200, body: envelope(null, { auth: { client_token: 'hvs.new', accessor: 'a', policies: ['default'] } }) });
  srv.on('PUT /v1/auth/token/revoke-self', { status: 204 });
  const c = client();
  const s = await c.login('approle', { role_id: 'r', secret_id: 's' });
  assert.equal(s.auth?.client_token, 'hvs.new');
  assert.equal(srv.requests[0].headers['x-vault-token'], undefined);
  assert.equal(c.token, 'hvs.new');
  await c.tokenRevokeSelf();
  assert.equal(srv.requests[1].headers['x-vault-token'], 'hvs.new');
  assert.equal(c.token, undefined);
  c.close();
});

test('the address keeps a path prefix and paths are encoded per segment', () => {
  const c = new KeepClient({ address: 'https://keep.example/prefix/' });
  assert.equal(c.url('/secret/data/a b').toString(), 'https://keep.example/prefix/v1/secret/data/a%20b');
  assert.equal(c.url('sys/health', { standbyok: true, x: undefined }).toString(), 'https://keep.example/prefix/v1/sys/health?standbyok=true');
  c.close();
});

test('bad addresses and unreadable CA files are rejected', () => {
  assert.throws(() => new KeepClient({ address: 'not a url' }), /invalid address/);
  assert.throws(() => new KeepClient({ address: 'ftp://x' }), /scheme must be http or https/);
  assert.throws(() => new KeepClient({ address: 'https://x', caCert: '/nonexistent/ca.pem' }), /error reading CA certificate/);
});

test('health returns sealed/uninitialised status codes instead of throwing', async () => {
  srv.on('GET /v1/sys/health', { status: 503, body: { initialized: true, sealed: true, standby: true } });
  const c = client();
  const h = await c.sys.health();
  assert.equal(h.status, 503);
  assert.equal(h.health.sealed, true);
  c.close();
});
