import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { verifyWrites } from './durability.ts';

// A fake KV v2 mount holding keys bench/run/0..3 with these current versions (key 4: never written).
const versions: Record<string, number> = { '0': 3, '1': 2, '2': 2, '3': 1 };
let skewKey3 = false;
let origin = '';
const server = createServer((req, res) => {
  const m = /^\/v1\/secret\/(metadata|data)\/bench\/run\/(\d+)$/.exec(req.url ?? '');
  const v = m ? versions[m[2]] : undefined;
  if (!m || v === undefined || req.headers['x-vault-token'] !== 'root') {
    res.writeHead(404, { 'Content-Type': 'application/json' }).end('{"errors":[]}');
    return;
  }
  const body = m[1] === 'metadata'
    ? { data: { current_version: v } }
    : { data: { data: { n: `w-${v}` }, metadata: { version: skewKey3 && m[2] === '3' ? 7 : v } } };
  res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
});

before(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => server.close());

const base = { token: 'root', mount: 'secret', keyPrefix: 'bench/run/', keys: 5, extraBound: 50, afterCrash: true };

test('sums current_version over the keys; passes when every acknowledged write is stored', async () => {
  const r = await verifyWrites({ origin, ...base, acknowledged: 7 });
  assert.equal(r.storedVersions, 8);
  assert.equal(r.extra, 1);
  assert.equal(r.pass, true);
});

test('fails when fewer versions are stored than were acknowledged', async () => {
  const r = await verifyWrites({ origin, ...base, acknowledged: 9 });
  assert.equal(r.extra, -1);
  assert.equal(r.pass, false);
});

test('fails when a read-back latest version disagrees with the metadata', async () => {
  skewKey3 = true; // the data endpoint now answers version 7 for key 3 (metadata says 1)
  const r = await verifyWrites({ origin, ...base, keys: 4, acknowledged: 1 });
  assert.equal(r.pass, false);
  assert.match(r.sampleFailures.join(), /bench\/run\/3: latest version 7 != current_version 1/);
});
