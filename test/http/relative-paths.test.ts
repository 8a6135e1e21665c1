import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { buildApp } from '../../src/http/app.ts';
import { cleanPath, hasDotSegment, needsCleaning } from '../../src/http/paths.ts';
import { RawConnection, get } from './raw-client.ts';
import { StubCore } from './stub-core.ts';

const core = new StubCore();
const app = buildApp(core);
let port = 0;

before(async () => {
  await app.listen({ port: 0, host: '127.0.0.1' });
  port = (app.server.address() as AddressInfo).port;
});
after(() => app.close());

test('cleanPath / needsCleaning follow Go mux cleaning', () => {
  assert.equal(cleanPath('/v1/secret/../sys/mounts'), '/v1/sys/mounts');
  assert.equal(cleanPath('/v1//secret/./data/'), '/v1/secret/data/');
  assert.equal(cleanPath('/../..'), '/');
  assert.equal(cleanPath('/v1/a/..'), '/v1');
  assert.equal(needsCleaning('/v1/secret/data/a'), false);
  assert.equal(needsCleaning('/v1/secret/data/.hidden'), false);
  assert.equal(needsCleaning('/v1/secret/data/a..b'), false);
  for (const p of ['/v1//x', '/v1/./x', '/v1/x/..', '/v1/x/.', '/a/../v1/x']) assert.equal(needsCleaning(p), true, p);
  assert.equal(hasDotSegment('secret/../x'), true);
  assert.equal(hasDotSegment('secret/.'), true);
  assert.equal(hasDotSegment('secret/a..b/.c'), false);
});

test('raw dot segments and // answer 301 to the cleaned path, query kept, never reaching core', async () => {
  const conn = await RawConnection.open(port);
  try {
    const cases: Array<[string, string]> = [
      ['/v1/secret/../sys/mounts?x=1', '/v1/sys/mounts?x=1'],
      ['/v1//secret/data/a', '/v1/secret/data/a'],
      ['/v1/secret/./data/a/', '/v1/secret/data/a/'],
      ['/v1/../etc/passwd', '/etc/passwd'],
      ['/ui/../v1/sys/health', '/v1/sys/health'],
    ];
    for (const [raw, location] of cases) {
      const res = await conn.request(get(raw));
      assert.equal(res.status, 301, raw);
      assert.equal(res.headers.location, location, raw);
      assert.equal(res.headers['cache-control'], 'no-store');
    }
    assert.equal(core.requests.length, 0);
  } finally {
    conn.close();
  }
});

test('percent-encoded dot segments reaching a logical path -> 400 relative paths not supported', async () => {
  const conn = await RawConnection.open(port);
  try {
    for (const raw of ['/v1/secret/%2e%2e/sys/mounts', '/v1/secret/data/%2E', '/v1/secret/%2E%2E']) {
      const res = await conn.request(get(raw));
      assert.equal(res.status, 400, raw);
      assert.deepEqual(JSON.parse(res.body), { errors: ['relative paths not supported'] }, raw);
    }
    assert.equal(core.requests.length, 0);
    const bad = await conn.request(get('/v1/secret/%zz'));
    assert.equal(bad.status, 400);
  } finally {
    conn.close();
  }
});
