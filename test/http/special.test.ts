import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { LightMyRequestResponse } from 'fastify';
import { buildApp } from '../../src/http/app.ts';
import { badRequest } from '../../src/errors.ts';
import { StubCore } from './stub-core.ts';

function setup() {
  const core = new StubCore();
  return { core, app: buildApp(core) };
}

function headersOk(res: LightMyRequestResponse): void {
  assert.equal(res.headers['cache-control'], 'no-store');
  assert.equal(res.headers['content-type'], 'application/json');
}

test('sys/init: GET raw {"initialized":bool}; PUT/POST init; parse errors use the special text; other methods 405', async () => {
  const { core, app } = setup();
  core.sealed = true;
  core.initializedFlag = false;
  const get = await app.inject({ method: 'GET', url: '/v1/sys/init' });
  assert.equal(get.statusCode, 200);
  assert.equal(get.body, '{"initialized":false}');
  headersOk(get);
  for (const method of ['PUT', 'POST'] as const) {
    const res = await app.inject({ method, url: '/v1/sys/init', payload: '{"secret_shares":1,"secret_threshold":1}' });
    assert.equal(res.statusCode, 200, method);
    assert.deepEqual(JSON.parse(res.body), { keys: ['aa'], keys_base64: ['qg=='], root_token: 'hvs.root' });
  }
  assert.deepEqual(core.initBodies[0], { secret_shares: 1, secret_threshold: 1 });
  const empty = await app.inject({ method: 'PUT', url: '/v1/sys/init' });
  assert.equal(empty.statusCode, 200);
  assert.deepEqual(core.initBodies.at(-1), {});
  const bad = await app.inject({ method: 'PUT', url: '/v1/sys/init', payload: '{nope' });
  assert.equal(bad.statusCode, 400);
  assert.match(JSON.parse(bad.body).errors[0], /^failed to parse JSON input: /);
  const arr = await app.inject({ method: 'PUT', url: '/v1/sys/init', payload: '[1]' });
  assert.equal(arr.statusCode, 400);
  assert.match(JSON.parse(arr.body).errors[0], /^failed to parse JSON input: json: cannot unmarshal array/);
  const del = await app.inject({ method: 'DELETE', url: '/v1/sys/init' });
  assert.equal(del.statusCode, 405);
  assert.equal(del.body, '{"errors":[]}');
  headersOk(del);
});

test('sys/init errors from core render as {"errors":[msg]}', async () => {
  const { core, app } = setup();
  core.init = async () => {
    throw badRequest('Vault is already initialized');
  };
  const res = await app.inject({ method: 'POST', url: '/v1/sys/init', payload: '{}' });
  assert.equal(res.statusCode, 400);
  assert.deepEqual(JSON.parse(res.body), { errors: ['Vault is already initialized'] });
});

test('sys/seal-status, sys/unseal, sys/leader work while sealed', async () => {
  const { core, app } = setup();
  core.sealed = true;
  const status = await app.inject({ method: 'GET', url: '/v1/sys/seal-status' });
  assert.equal(status.statusCode, 200);
  assert.equal(JSON.parse(status.body).sealed, true);
  headersOk(status);
  assert.equal((await app.inject({ method: 'POST', url: '/v1/sys/seal-status' })).statusCode, 405);
  const unseal = await app.inject({ method: 'PUT', url: '/v1/sys/unseal', payload: '{"key":"abcd"}' });
  assert.equal(unseal.statusCode, 200);
  assert.deepEqual(core.unsealBodies, [{ key: 'abcd' }]);
  assert.equal((await app.inject({ method: 'GET', url: '/v1/sys/unseal' })).statusCode, 405);
  const badUnseal = await app.inject({ method: 'PUT', url: '/v1/sys/unseal', payload: 'x' });
  assert.equal(badUnseal.statusCode, 400);
  assert.match(JSON.parse(badUnseal.body).errors[0], /^failed to parse JSON input: /);
  const leader = await app.inject({ method: 'GET', url: '/v1/sys/leader' });
  assert.equal(leader.statusCode, 200);
  assert.equal(JSON.parse(leader.body).ha_enabled, false);
  assert.equal(core.requests.length, 0, 'none of them goes through the logical pipeline');
});

test('sys/health: status matrix and body', async () => {
  const { core, app } = setup();
  const get = (q = '') => app.inject({ method: 'GET', url: `/v1/sys/health${q}` });

  const active = await get();
  assert.equal(active.statusCode, 200);
  headersOk(active);
  const body = JSON.parse(active.body);
  assert.deepEqual(Object.keys(body), [
    'initialized', 'sealed', 'standby', 'performance_standby', 'replication_performance_mode', 'replication_dr_mode',
    'server_time_utc', 'version', 'enterprise', 'cluster_name', 'cluster_id', 'echo_duration_ms', 'clock_skew_ms',
  ]);
  assert.equal(body.sealed, false);
  assert.equal(body.standby, false);
  assert.equal(body.replication_dr_mode, 'disabled');
  assert.equal(typeof body.server_time_utc, 'number');
  assert.equal((await get('?activecode=299')).statusCode, 299);

  core.healthState = { initialized: true, sealed: true, standby: false, version: 'v', cluster_name: 'n', cluster_id: 'i' };
  const sealedRes = await get();
  assert.equal(sealedRes.statusCode, 503);
  const sealedBody = JSON.parse(sealedRes.body);
  assert.equal(sealedBody.sealed, true);
  assert.equal(sealedBody.standby, true);
  assert.equal(sealedBody.replication_performance_mode, 'unknown');
  assert.equal(sealedBody.cluster_name, undefined);
  assert.equal(sealedBody.cluster_id, undefined);
  assert.equal((await get('?sealedcode=200')).statusCode, 200);

  core.healthState = { initialized: false, sealed: true, standby: false, version: 'v' };
  assert.equal((await get()).statusCode, 501);
  assert.equal((await get('?uninitcode=204')).statusCode, 204);

  core.healthState = { initialized: true, sealed: false, standby: true, version: 'v' };
  assert.equal((await get()).statusCode, 429);
  assert.equal((await get('?standbycode=200')).statusCode, 200);
  for (const ok of ['true', '1', 't']) assert.equal((await get(`?standbyok=${ok}`)).statusCode, 200, ok);
  assert.equal((await get('?standbyok=false')).statusCode, 429);
  assert.equal((await get('?standbyok=')).statusCode, 429, 'empty = false');
});

test('sys/health: bad parameters', async () => {
  const { app } = setup();
  const bad = await app.inject({ method: 'GET', url: '/v1/sys/health?standbyok=maybe' });
  assert.equal(bad.statusCode, 400);
  assert.deepEqual(JSON.parse(bad.body), { errors: ['bad value for standbyok parameter'] });
  const perf = await app.inject({ method: 'GET', url: '/v1/sys/health?perfstandbyok=x' });
  assert.deepEqual(JSON.parse(perf.body), { errors: ['bad value for perfstandbyok parameter'] });
  for (const q of ['activecode=abc', 'sealedcode=', 'standbycode=1.5', 'activecode=99', 'drsecondarycode=x']) {
    const res = await app.inject({ method: 'GET', url: `/v1/sys/health?${q}` });
    assert.equal(res.statusCode, 400, q);
    assert.equal(res.body, '{"errors":[]}', q);
  }
});

test('sys/health: HEAD gives the status without a body; other methods 405; works sealed', async () => {
  const { core, app } = setup();
  core.sealed = true;
  core.healthState = { initialized: true, sealed: true, standby: true, version: 'v' };
  const head = await app.inject({ method: 'HEAD', url: '/v1/sys/health' });
  assert.equal(head.statusCode, 503);
  assert.equal(head.body, '');
  assert.equal(head.headers['cache-control'], 'no-store');
  assert.equal((await app.inject({ method: 'POST', url: '/v1/sys/health' })).statusCode, 405);
});
