import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest, Agent } from 'node:http';
import { request as httpsRequest, Agent as HttpsAgent } from 'node:https';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/http/app.ts';
import { ListRewriter, listTarget } from '../../src/http/list-method.ts';
import { RawConnection, get, list, post } from './raw-client.ts';
import { StubCore } from './stub-core.ts';

const core = new StubCore();
core.respond = (req) => (req.operation === 'list' ? { data: { keys: ['a', 'b/'], path: req.path, q: req.data } } : { data: { op: req.operation, path: req.path, body: req.data } });
const app = buildApp(core);
let port = 0;

before(async () => {
  await app.listen({ port: 0, host: '127.0.0.1' });
  port = (app.server.address() as AddressInfo).port;
});
after(() => app.close());

const json = (s: string): Record<string, unknown> => JSON.parse(s);
const dataOf = (s: string): Record<string, unknown> => json(s).data as Record<string, unknown>;

test('listTarget puts list=true first', () => {
  assert.equal(listTarget('/v1/secret/metadata'), '/v1/secret/metadata?list=true');
  assert.equal(listTarget('/v1/x?after=a'), '/v1/x?list=true&after=a');
  assert.equal(listTarget('/v1/x?'), '/v1/x?list=true');
});

test('ListRewriter rewrites only request lines, following Content-Length and chunked framing', () => {
  const rw = new ListRewriter();
  const input =
    'LIST /v1/a HTTP/1.1\r\nHost: x\r\n\r\n' +
    'POST /v1/b HTTP/1.1\r\nContent-Length: 22\r\n\r\nLIST /v1/inbody HTTP/1\r\n' +
    'PUT /v1/c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nLIST \r\n0\r\nX-T: 1\r\n\r\n' +
    'LIST /v1/d?x=1 HTTP/1.1\r\n\r\n';
  // Feed byte by byte: framing must survive any split.
  const out = Buffer.concat([...Buffer.from(input)].map((b) => rw.push(Buffer.from([b])))).toString();
  assert.equal(
    out,
    'GET /v1/a?list=true HTTP/1.1\r\nHost: x\r\n\r\n' +
      'POST /v1/b HTTP/1.1\r\nContent-Length: 22\r\n\r\nLIST /v1/inbody HTTP/1\r\n' +
      'PUT /v1/c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nLIST \r\n0\r\nX-T: 1\r\n\r\n' +
      'GET /v1/d?list=true&x=1 HTTP/1.1\r\n\r\n',
  );
});

test('one keep-alive socket: GET, LIST, POST with body, LIST, GET — all answered', async () => {
  const conn = await RawConnection.open(port);
  try {
    const r1 = await conn.request(get('/v1/secret/data/a'));
    assert.equal(r1.status, 200);
    assert.deepEqual(dataOf(r1.body), { op: 'read', path: 'secret/data/a', body: {} });

    const r2 = await conn.request(list('/v1/secret/metadata'));
    assert.equal(r2.status, 200);
    assert.equal(r2.headers['cache-control'], 'no-store');
    assert.deepEqual(dataOf(r2.body), { keys: ['a', 'b/'], path: 'secret/metadata/', q: {} });

    const r3 = await conn.request(post('/v1/secret/data/b', '{"data":{"LIST /x":"LIST /v1/y HTTP/1.1"}}'));
    assert.equal(r3.status, 200);
    assert.deepEqual(dataOf(r3.body), { op: 'update', path: 'secret/data/b', body: { data: { 'LIST /x': 'LIST /v1/y HTTP/1.1' } } });

    const r4 = await conn.request(list('/v1/secret/metadata/dir/?after=k'));
    assert.equal(r4.status, 200);
    assert.deepEqual(dataOf(r4.body), { keys: ['a', 'b/'], path: 'secret/metadata/dir/', q: { after: 'k' } });

    const r5 = await conn.request(get('/v1/secret/data/c'));
    assert.equal(r5.status, 200);
    assert.equal(dataOf(r5.body).path, 'secret/data/c');
    assert.equal(conn.closed, false);
  } finally {
    conn.close();
  }
});

test('LIST as the first request, split across writes, then chunked POST and more LISTs', async () => {
  const conn = await RawConnection.open(port);
  try {
    const r1 = await conn.request(['LIST /v1/sec', 'ret/metadata HTTP/1.1\r\nHost: x\r\n', '\r\n']);
    assert.equal(r1.status, 200);
    assert.equal(dataOf(r1.body).path, 'secret/metadata/');
    const chunked = 'POST /v1/kv/x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n7\r\n{"a":1}\r\n0\r\n\r\n';
    const r2 = await conn.request(chunked);
    assert.equal(r2.status, 200);
    assert.deepEqual(dataOf(r2.body).body, { a: 1 });
    for (let i = 0; i < 5; i++) {
      const r = await conn.request(list(`/v1/kv/dir${i}`));
      assert.equal(r.status, 200);
      assert.equal(dataOf(r.body).path, `kv/dir${i}/`);
    }
  } finally {
    conn.close();
  }
});

test('an empty LIST answers 404 {"errors":[]} and the connection stays usable', async () => {
  const conn = await RawConnection.open(port);
  const saved = core.respond;
  core.respond = (req) => (req.operation === 'list' ? { data: { keys: [] } } : saved(req));
  try {
    const r1 = await conn.request(list('/v1/secret/metadata/empty'));
    assert.equal(r1.status, 404);
    assert.equal(r1.body, '{"errors":[]}');
    const r2 = await conn.request(get('/v1/secret/data/x'));
    assert.equal(r2.status, 200);
  } finally {
    core.respond = saved;
    conn.close();
  }
});

test('other unknown methods still get a plain 400 and the socket is closed', async () => {
  const conn = await RawConnection.open(port);
  const res = await conn.request('FROB /v1/x HTTP/1.1\r\nHost: x\r\n\r\n');
  assert.equal(res.status, 400);
  assert.equal(res.body, '{"errors":[]}');
  conn.close();
});

function nodeRequest(agent: Agent, method: string, path: string, body?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method, path, agent, headers: body ? { 'content-type': 'application/json' } : {} }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

test("node's http client sends LIST over a keep-alive agent, interleaved with other methods", async () => {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    for (let i = 0; i < 3; i++) {
      const l = await nodeRequest(agent, 'LIST', '/v1/secret/metadata/');
      assert.equal(l.status, 200);
      assert.deepEqual(dataOf(l.body).keys, ['a', 'b/']);
      const p = await nodeRequest(agent, 'PUT', '/v1/secret/data/z', '{"data":{"n":1.0}}');
      assert.equal(p.status, 200);
      assert.ok(p.body.includes('"n":1.0'), p.body);
    }
  } finally {
    agent.destroy();
  }
});

test('node-vault lists secrets (LIST verb)', async () => {
  const { default: nodeVault } = (await import('node-vault')) as unknown as {
    default: (o: Record<string, unknown>) => { list(path: string): Promise<{ data: { keys: string[] } }>; read(path: string): Promise<{ data: unknown }> };
  };
  const vault = nodeVault({ endpoint: `http://127.0.0.1:${port}`, token: 'hvs.test', apiVersion: 'v1' });
  const listed = await vault.list('secret/metadata/app');
  assert.deepEqual(listed.data.keys, ['a', 'b/']);
  const listedAgain = await vault.list('secret/metadata/app2');
  assert.deepEqual(listedAgain.data.keys, ['a', 'b/']);
  const read = await vault.read('secret/data/app');
  assert.ok(read.data);
  assert.equal(core.last.clientToken, 'hvs.test');
});

test('LIST works over TLS', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'keep-tls-'));
  let tlsApp: FastifyInstance | undefined;
  try {
    try {
      execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem'), '-days', '1', '-subj', '/CN=localhost'], { stdio: 'ignore' });
    } catch {
      t.skip('openssl not available');
      return;
    }
    tlsApp = buildApp(core, { https: { key: readFileSync(join(dir, 'k.pem')), cert: readFileSync(join(dir, 'c.pem')) } });
    await tlsApp.listen({ port: 0, host: '127.0.0.1' });
    const tlsPort = (tlsApp.server.address() as AddressInfo).port;
    const conn = await RawConnection.open(tlsPort, true);
    try {
      const r1 = await conn.request(get('/v1/secret/data/a'));
      assert.equal(r1.status, 200);
      const r2 = await conn.request(list('/v1/secret/metadata'));
      assert.equal(r2.status, 200);
      assert.equal(dataOf(r2.body).path, 'secret/metadata/');
      const r3 = await conn.request(post('/v1/secret/data/b', '{"x":1}'));
      assert.equal(r3.status, 200);
      const r4 = await conn.request(list('/v1/secret/metadata/d'));
      assert.equal(r4.status, 200);
    } finally {
      conn.close();
    }
    const agent = new HttpsAgent({ keepAlive: true, maxSockets: 1, rejectUnauthorized: false });
    const viaNode = await new Promise<number>((resolve, reject) => {
      const req = httpsRequest({ host: '127.0.0.1', port: tlsPort, method: 'LIST', path: '/v1/secret/metadata', agent }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.end();
    });
    agent.destroy();
    assert.equal(viaNode, 200);
  } finally {
    await tlsApp?.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a LIST request cut inside its method (LIS|T ...) is still taken over', async () => {
  const conn = await RawConnection.open(port);
  try {
    conn.socket.write('LIS');
    await new Promise((r) => setTimeout(r, 30));
    const res = await conn.request('T /v1/secret/metadata HTTP/1.1\r\nHost: x\r\n\r\n');
    assert.equal(res.status, 200);
    assert.equal(dataOf(res.body).path, 'secret/metadata/');
  } finally {
    conn.close();
  }
});

test("a taken-over connection is not killed by the server's header/request timeout checks", async () => {
  const quick = buildApp(core);
  const server = quick.server as typeof quick.server & { connectionsCheckingInterval: number };
  server.headersTimeout = 150;
  server.requestTimeout = 200;
  server.connectionsCheckingInterval = 25;
  await quick.listen({ port: 0, host: '127.0.0.1' });
  const conn = await RawConnection.open((quick.server.address() as AddressInfo).port);
  try {
    assert.equal((await conn.request(list('/v1/secret/metadata'))).status, 200);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(conn.closed, false);
    assert.equal((await conn.request(get('/v1/secret/data/a'))).status, 200);
    assert.equal((await conn.request(list('/v1/secret/metadata'))).status, 200);
  } finally {
    conn.close();
    await quick.close();
  }
});
