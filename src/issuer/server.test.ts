import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { Readable } from 'node:stream';
import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';
import { IssuerClient, IssuerRequestError, IssuerUnreachableError } from './client.ts';
import { DevIssuer } from './issuer.ts';
import { issuerHandler, mintOptionsFromBody, parseListenAddress, startIssuerServer } from './server.ts';
import type { RunningIssuer } from './server.ts';

let running: RunningIssuer;
let client: IssuerClient;
before(async () => {
  running = await startIssuerServer({ listen: '127.0.0.1:0', requestToken: 'req-token-1' });
  client = new IssuerClient(running.baseUrl);
});
after(async () => {
  await running.close();
});

async function get(path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${running.baseUrl}${path}`, { headers });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

test('parseListenAddress', () => {
  assert.deepEqual(parseListenAddress('127.0.0.1:8300'), { host: '127.0.0.1', port: 8300 });
  assert.deepEqual(parseListenAddress('http://[::1]:0/'), { host: '::1', port: 0 });
  assert.throws(() => parseListenAddress('localhost'), /must be host:port/);
  assert.throws(() => parseListenAddress('x:99999'), /invalid port/);
  assert.throws(() => parseListenAddress('x:abc'), /invalid port/);
});

test('index lists every platform issuer', async () => {
  const info = await client.info();
  assert.equal(info.issuers.github, `${running.baseUrl}/github`);
  assert.equal(Object.keys(info.issuers).length, 9);
  assert.equal(info.actions_token_url, `${running.baseUrl}/github/actions-token?api-version=2.0`);
});

test('discovery and JWKS over HTTP (also at the native JWKS path); a token verifies through discovery', async () => {
  const d = await get('/gitlab/.well-known/openid-configuration');
  assert.equal(d.status, 200);
  assert.equal(d.body.issuer, `${running.baseUrl}/gitlab`);
  assert.equal(d.body.jwks_uri, `${running.baseUrl}/gitlab/.well-known/jwks.json`);
  const j = await get('/gitlab/.well-known/jwks.json');
  assert.equal((j.body.keys as unknown[]).length, 1);
  const native = await get('/gitlab/oauth/discovery/keys');
  assert.deepEqual(native.body, j.body);
  const jwt = await client.mint('gitlab', { aud: 'https://keep.example.com' });
  const { payload } = await jwtVerify(jwt, createRemoteJWKSet(new URL(String(d.body.jwks_uri))), { issuer: String(d.body.issuer), audience: 'https://keep.example.com' });
  assert.equal(payload.project_path, 'keepdemo/payments-api');
});

test('POST /<platform>/token: claims, claim_args, remove, variant, ttl', async () => {
  const jwt = await client.mint('github', { claims: { custom: { a: 1 } }, claim_args: ['run_attempt=3'], remove: ['check_run_id'], variant: 'tag_push', ttl: '1m' });
  const c = decodeJwt(jwt);
  assert.deepEqual(c.custom, { a: 1 });
  assert.equal(c.run_attempt, '3');
  assert.equal('check_run_id' in c, false);
  assert.equal(c.ref, 'refs/tags/v1.4.0');
  assert.equal((c.exp ?? 0) - (c.iat ?? 0), 60);
});

test('bad mint requests are 400/404 with a clear message', async () => {
  await assert.rejects(client.mint('travis'), (e: unknown) => e instanceof IssuerRequestError && e.status === 404 && /valid platforms: github, gitlab/.test(e.message));
  await assert.rejects(client.mint('buildkite', { claim_args: ['build_number=x'] }), (e: unknown) => e instanceof IssuerRequestError && e.status === 400 && /is a number/.test(e.message));
  await assert.rejects(client.mint('github', { variant: 'nope' }), /unknown variant/);
  const res = await fetch(`${running.baseUrl}/github/token`, { method: 'POST', body: '{bad' });
  assert.equal(res.status, 400);
  const res2 = await fetch(`${running.baseUrl}/github/token`, { method: 'POST', body: JSON.stringify({ aud: 5 }) });
  assert.equal(res2.status, 400);
  const big = await fetch(`${running.baseUrl}/github/token`, { method: 'POST', body: JSON.stringify({ claims: { x: 'a'.repeat(70_000) } }) }).catch(() => undefined);
  if (big) assert.equal(big.status, 413);
  assert.throws(() => mintOptionsFromBody({ claims: [] }), /must be a JSON object/);
  assert.throws(() => mintOptionsFromBody({ claim_args: [1] }), /list of strings/);
  assert.throws(() => mintOptionsFromBody({ ttl: true }), /seconds or a duration/);
  assert.equal((await get('/github/nope')).status, 404);
  const wrongMethod = await fetch(`${running.baseUrl}/github/token`);
  assert.equal(wrongMethod.status, 405);
});

test('GitHub actions-token requires the bearer request token and honours audience', async () => {
  const none = await get('/github/actions-token?api-version=2.0&audience=x');
  assert.equal(none.status, 401);
  const wrong = await get('/github/actions-token?api-version=2.0', { authorization: 'Bearer req-token-2' });
  assert.equal(wrong.status, 401);
  const basic = await get('/github/actions-token', { authorization: 'Basic req-token-1' });
  assert.equal(basic.status, 401);
  const ok = await get('/github/actions-token?api-version=2.0&audience=https%3A%2F%2Fkeep.example.com', { authorization: 'bearer req-token-1' });
  assert.equal(ok.status, 200);
  assert.equal(ok.body.count, String(ok.body.value).length);
  assert.equal(decodeJwt(String(ok.body.value)).aud, 'https://keep.example.com');
  const dflt = await client.actionsToken('req-token-1');
  assert.equal(decodeJwt(dflt).aud, 'https://github.com/keepdemo');
  await assert.rejects(client.actionsToken('nope'), (e: unknown) => e instanceof IssuerRequestError && e.status === 401);
  // Only GitHub has this endpoint.
  assert.equal((await get('/gitlab/actions-token', { authorization: 'bearer req-token-1' })).status, 404);
});

test('POST /rotate keeps old tokens verifiable; drop_old removes the old key', async () => {
  const jwks = () => createRemoteJWKSet(new URL(`${running.baseUrl}/bitbucket/.well-known/jwks.json`), { cooldownDuration: 0, cacheMaxAge: 0 });
  const old = await client.mint('bitbucket');
  const rotated = await client.rotate('bitbucket');
  assert.equal(typeof rotated.bitbucket, 'string');
  assert.deepEqual(Object.keys(rotated), ['bitbucket']);
  await jwtVerify(old, jwks());
  const fresh = await client.mint('bitbucket');
  await jwtVerify(fresh, jwks());
  await client.rotate('bitbucket', true);
  await assert.rejects(jwtVerify(fresh, jwks()));
  await assert.rejects(client.rotate('travis'), /unknown platform/);
});

function fakeRequest(method: string, url: string, remoteAddress: string): http.IncomingMessage {
  return Object.assign(Readable.from([Buffer.from('{}')]), { method, url, headers: {}, socket: { remoteAddress } }) as unknown as http.IncomingMessage;
}

function fakeResponse(): { res: http.ServerResponse; done: Promise<{ status: number; body: string }> } {
  let resolve!: (v: { status: number; body: string }) => void;
  const done = new Promise<{ status: number; body: string }>((r) => (resolve = r));
  let status = 0;
  const res = {
    headersSent: false,
    writeHead(s: number) {
      status = s;
      return res;
    },
    end(body?: string) {
      resolve({ status, body: body ?? '' });
    },
  };
  return { res: res as unknown as http.ServerResponse, done };
}

test('minting and rotation are refused to non-loopback clients; discovery is not', async () => {
  const handler = issuerHandler(await DevIssuer.create({ baseUrl: 'http://10.0.0.1:8300' }), 't');
  for (const [method, url] of [['POST', '/github/token'], ['POST', '/rotate']]) {
    const { res, done } = fakeResponse();
    handler(fakeRequest(method, url, '10.0.0.5'), res);
    const r = await done;
    assert.equal(r.status, 403, url);
    assert.match(r.body, /loopback/);
  }
  const { res, done } = fakeResponse();
  handler(fakeRequest('GET', '/github/.well-known/openid-configuration', '10.0.0.5'), res);
  assert.equal((await done).status, 200);
  const local = fakeResponse();
  handler(fakeRequest('POST', '/github/token', '::ffff:127.0.0.1'), local.res);
  assert.equal((await local.done).status, 200);
});

test('a busy port falls back to a free one when asked, and fails otherwise', async () => {
  const taken = new URL(running.baseUrl).port;
  await assert.rejects(startIssuerServer({ listen: `127.0.0.1:${taken}` }), /EADDRINUSE/);
  const moved = await startIssuerServer({ listen: `127.0.0.1:${taken}`, fallbackToFreePort: true });
  try {
    assert.equal(moved.busyAddress, `127.0.0.1:${taken}`);
    assert.notEqual(new URL(moved.baseUrl).port, taken);
    assert.match(moved.requestToken, /^[A-Za-z0-9_-]{32}$/);
    const jwt = await new IssuerClient(moved.baseUrl).mint('gcb');
    assert.equal(decodeJwt(jwt).iss, `${moved.baseUrl}/gcb`);
  } finally {
    await moved.close();
  }
});

test('client: an unreachable issuer names the address and how to start one', async () => {
  const probe = await startIssuerServer({ listen: '127.0.0.1:0' });
  const addr = probe.baseUrl;
  await probe.close();
  const c = new IssuerClient(addr.replace('http://', ''));
  await assert.rejects(c.mint('github'), (e: unknown) => {
    assert.ok(e instanceof IssuerUnreachableError);
    assert.match(e.message, new RegExp(`cannot reach the dev issuer at ${addr} \\(connection refused\\)`));
    assert.match(e.message, /keep issuer serve.*keep server -dev/);
    return true;
  });
});
