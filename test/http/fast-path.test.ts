/**
 * The HTTP fast path (plain GET/POST/PUT served from Node's request event) answers exactly as the
 * Fastify route does: every request here is sent over a real socket (fast path where eligible)
 * and through inject() (always Fastify), and the replies and what reached core are compared.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { buildApp } from '../../src/http/app.ts';
import { RawConnection, type RawResponse } from './raw-client.ts';
import { StubCore } from './stub-core.ts';

const LIMIT = 256;
const socketCore = new StubCore();
const injectCore = new StubCore();
const served = buildApp(socketCore, { bodyLimit: LIMIT });
const injected = buildApp(injectCore, { bodyLimit: LIMIT });
await served.listen({ port: 0, host: '127.0.0.1' });
const port = (served.server.address() as AddressInfo).port;
after(async () => {
  await served.close();
  await injected.close();
});

interface Case {
  name: string;
  method: string;
  url: string;
  headers?: Record<string, string>;
  /** Body parts, written separately to the socket. */
  body?: string[];
}

const SHOWN = ['content-type', 'cache-control', 'content-length', 'x-vault-namespace', 'location'];

function shown(headers: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const h of SHOWN) if (headers[h] !== undefined) out[h] = String(headers[h]);
  return out;
}

function lastRequest(core: StubCore): unknown {
  const r = core.requests.at(-1);
  return r && { operation: r.operation, path: r.path, data: r.data, clientToken: r.clientToken, wrapTTL: r.wrapTTL, remote: r.remoteAddress !== '' };
}

async function overSocket(c: Case): Promise<RawResponse> {
  const conn = await RawConnection.open(port);
  try {
    const parts = c.body ?? [];
    const length = parts.reduce((n, p) => n + Buffer.byteLength(p), 0);
    const headers = { ...(c.body ? { 'Content-Length': String(length) } : {}), ...(c.headers ?? {}) };
    const head = `${c.method} ${c.url} HTTP/1.1\r\nHost: localhost\r\n${Object.entries(headers)
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join('')}\r\n`;
    return await conn.request([head, ...parts]);
  } finally {
    conn.close();
  }
}

async function compare(c: Case): Promise<RawResponse> {
  socketCore.requests = [];
  injectCore.requests = [];
  const viaSocket = await overSocket(c);
  const viaInject = await injected.inject({
    method: c.method as 'GET',
    url: c.url,
    headers: c.headers,
    payload: c.body ? c.body.join('') : undefined,
  });
  assert.equal(viaSocket.status, viaInject.statusCode, c.name);
  assert.equal(viaSocket.body, viaInject.body, c.name);
  assert.deepEqual(shown(viaSocket.headers), shown(viaInject.headers), c.name);
  assert.deepEqual(lastRequest(socketCore), lastRequest(injectCore), c.name);
  return viaSocket;
}

const TOKEN = { 'X-Vault-Token': 'hvs.abc' };
const JSON_CT = { 'Content-Type': 'application/json' };

test('GET: reads, tokens, namespace echo, special paths, redirects', async () => {
  await compare({ name: 'read', method: 'GET', url: '/v1/secret/data/app', headers: TOKEN });
  await compare({ name: 'bearer', method: 'GET', url: '/v1/secret/data/app', headers: { Authorization: 'Bearer  hvs.b ' } });
  await compare({ name: 'namespace', method: 'GET', url: '/v1/secret/data/app', headers: { ...TOKEN, 'X-Vault-Namespace': 'ns1/' } });
  await compare({ name: 'wrap ttl', method: 'GET', url: '/v1/secret/data/app', headers: { ...TOKEN, 'X-Vault-Wrap-TTL': '5m' } });
  await compare({ name: 'bad wrap ttl', method: 'GET', url: '/v1/secret/data/app', headers: { ...TOKEN, 'X-Vault-Wrap-TTL': 'soon' } });
  await compare({ name: 'health', method: 'GET', url: '/v1/sys/health' });
  await compare({ name: 'unclean', method: 'GET', url: '/v1//secret/./data' });
  // inject() resolves dot segments itself, so this one is checked against the route's answer.
  const dots = await overSocket({ name: 'dot segment', method: 'GET', url: '/v1/secret/../x' });
  assert.deepEqual([dots.status, dots.headers.location], [301, '/v1/x']);
  await compare({ name: 'trailing slash', method: 'GET', url: '/v1/secret/' });
  await compare({ name: 'query (Fastify)', method: 'GET', url: '/v1/secret/data/app?version=2', headers: TOKEN });
  await compare({ name: 'escape (Fastify)', method: 'GET', url: '/v1/secret/data/a%20b', headers: TOKEN });
  await compare({ name: 'bad escape (Fastify)', method: 'GET', url: '/v1/secret/data/a%zz', headers: TOKEN });
  socketCore.sealed = true;
  injectCore.sealed = true;
  try {
    await compare({ name: 'sealed', method: 'GET', url: '/v1/secret/data/app', headers: TOKEN });
  } finally {
    socketCore.sealed = false;
    injectCore.sealed = false;
  }
});

test('POST/PUT: JSON bodies, empty bodies, split multi-byte characters, errors', async () => {
  const body = '{"data":{"k":"välue €","n":12345678901234567890,"f":1.0}}';
  await compare({ name: 'post json', method: 'POST', url: '/v1/secret/data/app', headers: { ...TOKEN, ...JSON_CT }, body: [body] });
  await compare({ name: 'put charset', method: 'PUT', url: '/v1/secret/data/app', headers: { ...TOKEN, 'Content-Type': 'application/json; charset=utf-8' }, body: [body] });
  await compare({ name: 'no content type', method: 'POST', url: '/v1/secret/data/app', headers: TOKEN, body: [body] });
  await compare({ name: 'empty, no type', method: 'POST', url: '/v1/secret/data/app', headers: TOKEN, body: [] });
  await compare({ name: 'empty json', method: 'POST', url: '/v1/secret/data/app', headers: { ...TOKEN, ...JSON_CT }, body: [] });
  await compare({ name: 'invalid json', method: 'POST', url: '/v1/secret/data/app', headers: { ...TOKEN, ...JSON_CT }, body: ['{"a":'] });
  await compare({ name: 'array', method: 'PUT', url: '/v1/secret/data/app', headers: { ...TOKEN, ...JSON_CT }, body: ['[1]'] });
  await compare({ name: 'write to dir', method: 'POST', url: '/v1/secret/data/', headers: { ...TOKEN, ...JSON_CT }, body: ['{}'] });
  await compare({ name: 'form (Fastify)', method: 'POST', url: '/v1/x', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: ['a=1&a=2'] });
  await compare({ name: 'sys/init special', method: 'PUT', url: '/v1/sys/init', headers: JSON_CT, body: ['{}'] });
  await compare({ name: 'too large (Fastify)', method: 'POST', url: '/v1/secret/data/app', headers: { ...TOKEN, ...JSON_CT }, body: ['x'.repeat(LIMIT + 1)] });
  await compare({ name: 'at the limit', method: 'POST', url: '/v1/secret/data/app', headers: { ...TOKEN, ...JSON_CT }, body: [`{"p":"${'x'.repeat(LIMIT - 8)}"}`] });
});

test('POST: a body split over several writes arrives whole, multi-byte characters intact', async () => {
  const body = Buffer.from('{"data":{"k":"€€€"}}');
  const cut = body.indexOf(Buffer.from('€')) + 1; // inside the first 3-byte character
  const conn = await RawConnection.open(port);
  try {
    socketCore.requests = [];
    conn.socket.write(`POST /v1/secret/data/app HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`);
    conn.socket.write(body.subarray(0, cut));
    await new Promise((resolve) => setTimeout(resolve, 20));
    conn.socket.write(body.subarray(cut));
    const res = await conn.read();
    assert.equal(res.status, 200);
    assert.deepEqual(socketCore.last.data, { data: { k: '€€€' } });
  } finally {
    conn.close();
  }
});
