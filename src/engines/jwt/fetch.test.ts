import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FetchError, httpGet, parseCaPem } from './fetch.ts';
import { T0, claimsAt, jwtMount, login, makeKey, sign, type TestKey } from './test-setup.ts';

let dir: string;
let cert: string;
let tls: https.Server;
let plain: http.Server;
let key: TestKey;
const hanging: http.ServerResponse[] = [];

const port = (s: http.Server | https.Server) => (s.address() as AddressInfo).port;

before(async () => {
  key = await makeKey('RS256', 'tls-key');
  dir = mkdtempSync(join(tmpdir(), 'keep-jwt-tls-'));
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem'), '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-days', '1'],
    { stdio: 'ignore' },
  );
  cert = readFileSync(join(dir, 'c.pem'), 'utf8');
  tls = https.createServer({ key: readFileSync(join(dir, 'k.pem')), cert }, (req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ keys: [key.jwk] }));
  });
  plain = http.createServer((req, res) => {
    if (req.url === '/hang') {
      hanging.push(res);
      return;
    }
    if (req.url === '/big') {
      res.end('x'.repeat(2 * 1024 * 1024));
      return;
    }
    if (req.url === '/redirect') {
      res.statusCode = 302;
      res.setHeader('location', '/ok');
      res.end();
      return;
    }
    res.end('{"ok":true}');
  });
  await new Promise<void>((r) => tls.listen(0, '127.0.0.1', r));
  await new Promise<void>((r) => plain.listen(0, '127.0.0.1', r));
});

after(async () => {
  for (const r of hanging) r.destroy();
  tls.closeAllConnections();
  plain.closeAllConnections();
  await new Promise<void>((r) => tls.close(() => r()));
  await new Promise<void>((r) => plain.close(() => r()));
  rmSync(dir, { recursive: true, force: true });
});

describe('httpGet', () => {
  it('trusts a CA given as PEM, and only then', async () => {
    const url = `https://127.0.0.1:${port(tls)}/keys`;
    const r = await httpGet(url, { caPem: cert });
    assert.equal(r.status, 200);
    await assert.rejects(httpGet(url), (e: Error) => e instanceof FetchError && e.message.startsWith(`Get "${url}": `));
  });

  it('has a deadline', async () => {
    const url = `http://127.0.0.1:${port(plain)}/hang`;
    await assert.rejects(httpGet(url, { timeoutMs: 100 }), { message: `Get "${url}": context deadline exceeded (no answer within 100ms)` });
  });

  it('caps the body size and follows redirects', async () => {
    await assert.rejects(httpGet(`http://127.0.0.1:${port(plain)}/big`), (e: Error) => e.message.includes('response body exceeds'));
    const r = await httpGet(`http://127.0.0.1:${port(plain)}/redirect`);
    assert.equal(r.body, '{"ok":true}');
  });

  it('refuses other schemes and bad CA bundles', async () => {
    await assert.rejects(httpGet('file:///etc/passwd'), { message: 'Get "file:///etc/passwd": unsupported protocol scheme "file"' });
    assert.throws(() => parseCaPem('nothing here'), { message: 'could not parse CA PEM value successfully' });
    assert.equal(parseCaPem(cert).length, 1);
  });

  it('jwks_ca_pem makes a private-CA JWKS usable at login', async () => {
    const f = await jwtMount();
    const url = `https://127.0.0.1:${port(tls)}/keys`;
    const err = await f.fail('update', 'config', { jwks_url: url });
    assert.equal(err.message, `error checking jwks URL ${url}`);
    await f.call('update', 'config', { jwks_url: url, jwks_ca_pem: cert });
    await f.call('update', 'role/ci', { role_type: 'jwt', user_claim: 'sub', bound_audiences: 'https://keep.example' });
    await login(f, await sign(key, claimsAt(T0)), 'ci');
  });
});
