/**
 * The wire format of a real server over raw HTTP (spec/core.md 1, 2.10): envelope keys and
 * headers, the three 404 kinds, 405, PATCH content types, bad JSON, the unknown-field warning,
 * relative paths, and response wrapping round trips.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import type { HttpResult } from '../helpers/http.ts';
import { Api, dataOf, errorsOf, httpRequest, obj, show } from '../helpers/http.ts';
import type { KeepServer } from '../helpers/server.ts';
import { startKeep, useKeepHooks } from '../helpers/server.ts';

useKeepHooks();

const T = { timeout: 90_000 };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ENVELOPE_KEYS = ['auth', 'data', 'lease_duration', 'lease_id', 'mount_type', 'renewable', 'request_id', 'warnings', 'wrap_info'];

let server: KeepServer;
let api: Api;

before(async () => {
  server = await startKeep({ dev: true });
  api = new Api(server.addr, 'root');
  const w = await api.post('secret/data/wire', { data: { a: 'b' } });
  assert.equal(w.status, 200, show(w));
});

function assertHeaders(r: HttpResult, what: string): void {
  assert.equal(r.headers['cache-control'], 'no-store', `${what}: Cache-Control`);
  assert.match(String(r.headers['content-type']), /^application\/json/, `${what}: Content-Type`);
}

test('envelope: every key present, request_id a UUID, JSON and no-store headers', T, async () => {
  const r = await api.get('secret/data/wire');
  assert.equal(r.status, 200, show(r));
  const body = obj(r.json);
  assert.deepEqual(Object.keys(body).sort(), ENVELOPE_KEYS);
  assert.match(String(body.request_id), UUID);
  assert.equal(body.lease_id, '');
  assert.equal(body.renewable, false);
  assert.equal(body.lease_duration, 0);
  assert.equal(body.wrap_info, null);
  assert.equal(body.warnings, null);
  assert.equal(body.auth, null);
  assert.equal(body.mount_type, 'kv');
  assertHeaders(r, 'GET 200');
  const again = await api.get('secret/data/wire');
  assert.notEqual(obj(again.json).request_id, body.request_id, 'a new request_id per request');

  // Errors and empty answers carry the same headers.
  const denied = await api.withToken('bogus').get('secret/data/wire');
  assert.equal(denied.status, 403, show(denied));
  assertHeaders(denied, '403');
  const del = await api.delete('secret/data/never-written');
  assert.equal(del.status, 204, show(del));
  assert.equal(del.text, '');
  assertHeaders(del, '204');
  // Authorization: Bearer works when X-Vault-Token is absent.
  const bearer = await httpRequest(server.addr, 'GET', '/v1/secret/data/wire', { headers: { Authorization: 'Bearer root' } });
  assert.equal(bearer.status, 200, show(bearer));
});

test('404 kinds: no handler, unsupported path, empty read, outside /v1', T, async () => {
  const noMount = await api.get('nomount/x');
  assert.equal(noMount.status, 404, show(noMount));
  assert.deepEqual(errorsOf(noMount), ['no handler for route "nomount/x". route entry not found.']);

  const unsupported = await api.get('auth/token/no-such-endpoint');
  assert.equal(unsupported.status, 404, show(unsupported));
  assert.ok(errorsOf(unsupported).some((e) => e.includes('unsupported path')), show(unsupported));

  const empty = await api.get('secret/data/missing');
  assert.equal(empty.status, 404, show(empty));
  assert.deepEqual(empty.json, { errors: [] });
  assertHeaders(empty, 'empty read');

  const outside = await httpRequest(server.addr, 'GET', '/v2/secret/data/wire', { token: 'root' });
  assert.equal(outside.status, 404, show(outside));
  assert.deepEqual(outside.json, { errors: [] });

  // KV v2 catch-all: a raw 404 envelope with a warning pointing at `vault kv`.
  const v2 = await api.get('secret/wire');
  assert.equal(v2.status, 404, show(v2));
  const warnings = obj(v2.json).warnings as string[];
  assert.ok(warnings.some((w) => w.startsWith('Invalid path for a versioned K/V secrets engine.')), show(v2));
});

test('405 for unsupported methods and operations', T, async () => {
  const purge = await api.req('PURGE', 'secret/data/wire');
  assert.equal(purge.status, 405, show(purge));
  assert.deepEqual(purge.json, { errors: [] });
  const sealGet = await api.get('sys/seal');
  assert.equal(sealGet.status, 405, show(sealGet));
});

test('PATCH needs Content-Type application/merge-patch+json: 400 without, 415 with another', T, async () => {
  const body = JSON.stringify({ data: { c: 'd' } });
  const none = await httpRequest(server.addr, 'PATCH', '/v1/secret/data/wire', { token: 'root', body });
  assert.equal(none.status, 400, show(none));
  assert.deepEqual(errorsOf(none), ['mime: no media type']);
  const wrong = await httpRequest(server.addr, 'PATCH', '/v1/secret/data/wire', { token: 'root', body, headers: { 'Content-Type': 'application/json' } });
  assert.equal(wrong.status, 415, show(wrong));
  assert.deepEqual(errorsOf(wrong), ['PATCH requires Content-Type of application/merge-patch+json, provided application/json']);
  const ok = await httpRequest(server.addr, 'PATCH', '/v1/secret/data/wire', {
    token: 'root',
    body,
    headers: { 'Content-Type': 'application/merge-patch+json; charset=utf-8' },
  });
  assert.equal(ok.status, 200, show(ok));
  const r = await api.get('secret/data/wire');
  assert.deepEqual(obj(dataOf(r).data), { a: 'b', c: 'd' });
});

test('bad JSON is 400 "error parsing JSON"; unknown fields give a warning', T, async () => {
  for (const text of ['{not json', '[1, 2]', '"str"']) {
    const r = await httpRequest(server.addr, 'POST', '/v1/secret/data/bad', { token: 'root', body: text, headers: { 'Content-Type': 'application/json' } });
    assert.equal(r.status, 400, `${text}: ${show(r)}`);
    assert.deepEqual(errorsOf(r), ['error parsing JSON'], text);
  }
  const nothing = await api.get('secret/data/bad');
  assert.equal(nothing.status, 404, 'nothing was written');

  const warned = await api.post('secret/data/warned', { data: { a: '1' }, zeta: 1, alpha: 'x' });
  assert.equal(warned.status, 200, show(warned));
  assert.deepEqual(obj(warned.json).warnings, ['Endpoint ignored these unrecognized parameters: [alpha zeta]']);
});

test('relative paths are never resolved', T, async () => {
  // Literal `..` segments: Vault answers 301 to the cleaned path; Keep may also answer 400.
  const lit = await httpRequest(server.addr, 'GET', '/v1/secret/data/../../sys/mounts?x=1', { token: 'root' });
  assert.ok(lit.status === 301 || lit.status === 400, `literal ..: ${show(lit)}`);
  if (lit.status === 400) assert.deepEqual(errorsOf(lit), ['relative paths not supported']);
  // Go's mux redirects to the cleaned path and keeps the query.
  else assert.equal(lit.headers.location, '/v1/sys/mounts?x=1');
  const dbl = await httpRequest(server.addr, 'GET', '/v1/secret//data/wire', { token: 'root' });
  assert.ok(dbl.status === 301 || dbl.status === 400, `double slash: ${show(dbl)}`);
  // Percent-encoded dots reach the backend and are refused there.
  const enc = await httpRequest(server.addr, 'POST', '/v1/secret/data/%2e%2e/escape', { token: 'root', body: { data: { x: '1' } } });
  assert.equal(enc.status, 400, `encoded ..: ${show(enc)}`);
  assert.ok(errorsOf(enc).some((e) => e.includes('relative paths not supported')), show(enc));
});

test('X-Vault-Wrap-TTL: wrap, lookup, unwrap returns the identical answer, second unwrap 400', T, async () => {
  const plain = await api.get('secret/data/wire');
  assert.equal(plain.status, 200, show(plain));

  const wrapped = await api.get('secret/data/wire', { headers: { 'X-Vault-Wrap-TTL': '60s' } });
  assert.equal(wrapped.status, 200, show(wrapped));
  const wb = obj(wrapped.json);
  assert.deepEqual(Object.keys(wb).sort(), ENVELOPE_KEYS);
  assert.equal(wb.request_id, '');
  assert.equal(wb.data, null);
  const info = obj(wb.wrap_info, 'wrap_info');
  assert.equal(info.ttl, 60);
  assert.equal(info.creation_path, 'secret/data/wire');
  assert.equal(typeof info.token, 'string');
  assert.equal(typeof info.accessor, 'string');
  assert.equal(info.wrapped_accessor, undefined);
  const wrapToken = String(info.token);

  // Lookup is unauthenticated and does not consume the token.
  const look = await httpRequest(server.addr, 'POST', '/v1/sys/wrapping/lookup', { body: { token: wrapToken } });
  assert.equal(look.status, 200, show(look));
  assert.equal(dataOf(look).creation_ttl, 60);
  assert.equal(dataOf(look).creation_path, 'secret/data/wire');

  const un = await httpRequest(server.addr, 'POST', '/v1/sys/wrapping/unwrap', { token: wrapToken });
  assert.equal(un.status, 200, show(un));
  const ub = obj(un.json);
  assert.deepEqual(ub.data, obj(plain.json).data, 'unwrapped data equals a direct read');
  assert.match(String(ub.request_id), UUID);
  assert.equal(ub.mount_type, 'kv');

  const again = await httpRequest(server.addr, 'POST', '/v1/sys/wrapping/unwrap', { token: wrapToken });
  assert.equal(again.status, 400, show(again));
  assert.deepEqual(errorsOf(again), ['wrapping token is not valid or does not exist']);

  // Unwrap with the token in the body (caller's own token authenticates).
  const w2 = await api.get('secret/data/wire', { headers: { 'X-Vault-Wrap-TTL': '5m' } });
  const t2 = String(obj(obj(w2.json).wrap_info).token);
  assert.equal(obj(obj(w2.json).wrap_info).ttl, 300);
  const un2 = await api.post('sys/wrapping/unwrap', { token: t2 });
  assert.equal(un2.status, 200, show(un2));
  assert.deepEqual(obj(un2.json).data, obj(plain.json).data);

  // sys/wrapping/wrap wraps arbitrary data and requires a wrap TTL.
  const noTtl = await api.post('sys/wrapping/wrap', { hello: 'world' });
  assert.equal(noTtl.status, 400, show(noTtl));
  assert.deepEqual(errorsOf(noTtl), ['endpoint requires response wrapping to be used']);
  const w3 = await api.post('sys/wrapping/wrap', { hello: 'world', n: 1 }, { headers: { 'X-Vault-Wrap-TTL': '30' } });
  assert.equal(w3.status, 200, show(w3));
  const t3 = String(obj(obj(w3.json).wrap_info).token);
  const un3 = await httpRequest(server.addr, 'POST', '/v1/sys/wrapping/unwrap', { token: t3 });
  assert.equal(un3.status, 200, show(un3));
  assert.deepEqual(obj(un3.json).data, { hello: 'world', n: 1 });

  // Bad wrap TTL headers.
  const neg = await api.get('secret/data/wire', { headers: { 'X-Vault-Wrap-TTL': '-5s' } });
  assert.equal(neg.status, 400, show(neg));
  assert.deepEqual(errorsOf(neg), ['error parsing X-Vault-Wrap-TTL header: requested wrap ttl cannot be negative']);
  const junk = await api.get('secret/data/wire', { headers: { 'X-Vault-Wrap-TTL': 'soon' } });
  assert.equal(junk.status, 400, show(junk));
  assert.match(errorsOf(junk)[0] ?? '', /^error parsing X-Vault-Wrap-TTL header: /);
});

test('KV numbers round-trip exactly (no float conversion)', T, async () => {
  const text = '{"data":{"big":12345678901234567890123,"dec":1.10,"neg":-0.000000000000000000001,"small":7}}';
  const w = await httpRequest(server.addr, 'POST', '/v1/secret/data/numbers', { token: 'root', body: text, headers: { 'Content-Type': 'application/json' } });
  assert.equal(w.status, 200, show(w));
  const r = await api.get('secret/data/numbers');
  assert.equal(r.status, 200, show(r));
  assert.ok(r.text.includes('"big":12345678901234567890123'), r.text);
  assert.ok(r.text.includes('"dec":1.10'), r.text);
  assert.ok(r.text.includes('"neg":-0.000000000000000000001'), r.text);
  assert.ok(r.text.includes('"small":7'), r.text);
});

test('HEAD sys/health: same status, no body', T, async () => {
  const h = await httpRequest(server.addr, 'HEAD', '/v1/sys/health');
  assert.equal(h.status, 200);
  assert.equal(h.text, '');
  const bad = await api.get('sys/health?standbyok=garbage');
  assert.equal(bad.status, 400, show(bad));
  assert.deepEqual(errorsOf(bad), ['bad value for standbyok parameter']);
});
