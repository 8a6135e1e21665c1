/**
 * A TLS listener (tls_cert_file/tls_key_file) with a self-signed certificate made at test time:
 * the CLI trusts it through KEEP_CACERT and works over https (LIST included), an untrusting CLI
 * fails, node-vault and a raw TLS socket LIST over it.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { Api, obj, show } from '../helpers/http.ts';
import { vaultClient } from '../helpers/node-vault.ts';
import { RawConnection, rawNoBody } from '../helpers/raw-socket.ts';
import { expectExit, runCli, startKeep, tempDir, useKeepHooks } from '../helpers/server.ts';
import { haveOpenssl, makeSelfSignedCert } from '../helpers/tls.ts';

useKeepHooks();

const opensslMissing = !haveOpenssl();
if (opensslMissing && process.env.CI === 'true') throw new Error('openssl is required for the TLS end-to-end test in CI');

test('TLS listener: CLI with KEEP_CACERT, LIST over TLS, node-vault, untrusted client refused', { timeout: 120_000, skip: opensslMissing ? 'openssl not found; TLS e2e skipped' : false }, async () => {
  const certDir = tempDir();
  const cert = makeSelfSignedCert(certDir);
  const sealKey = randomBytes(32).toString('hex');
  const server = await startKeep({
    config: `
storage "inmem" {}
listener "tcp" {
  address = "127.0.0.1:{{port}}"
  tls_cert_file = "${cert.certFile}"
  tls_key_file = "${cert.keyFile}"
}
seal "static" {
  current_key_id = "k1"
  current_key = "env://KEEP_TEST_SEAL_KEY"
}
`,
    env: { KEEP_TEST_SEAL_KEY: sealKey },
    scheme: 'https',
    ca: cert.certPem,
  });
  assert.match(server.addr, /^https:\/\//);

  const anon = new Api(server.addr, undefined, cert.certPem);
  const init = await anon.put('sys/init', { recovery_shares: 1, recovery_threshold: 1 });
  assert.equal(init.status, 200, show(init));
  const token = String(obj(init.json).root_token);
  const api = anon.withToken(token);
  const m = await api.post('sys/mounts/secret', { type: 'kv', options: { version: '2' } });
  assert.equal(m.status, 204, show(m));

  const cli = (args: string[], env: Record<string, string> = { KEEP_CACERT: cert.certFile }) => runCli(args, { addr: server.addr, token, env });
  expectExit(await cli(['kv', 'put', 'secret/tls/one', 'a=b']), 0);
  expectExit(await cli(['kv', 'put', 'secret/tls/two', 'c=d']), 0);
  const [get, list, raw] = await Promise.all([
    cli(['kv', 'get', '-field=a', 'secret/tls/one']),
    cli(['kv', 'list', '-format=json', 'secret/tls']),
    cli(['list', '-format=json', 'secret/metadata/tls']),
  ]);
  assert.equal(expectExit(get, 0).stdout, 'b');
  assert.deepEqual(JSON.parse(expectExit(list, 0).stdout), ['one', 'two']);
  assert.deepEqual(JSON.parse(expectExit(raw, 0).stdout), ['one', 'two']);

  // -ca-cert flag instead of the environment.
  const flag = await cli(['kv', 'get', `-ca-cert=${cert.certFile}`, '-field=c', 'secret/tls/two'], {});
  assert.equal(expectExit(flag, 0).stdout, 'd');

  // Without the CA the certificate is not trusted: a connection error, exit 2.
  const untrusted = await cli(['kv', 'get', 'secret/tls/one'], { KEEP_MAX_RETRIES: '0' });
  expectExit(untrusted, 2);
  assert.match(untrusted.stderr, /certificate|self[- ]signed/i);

  // node-vault with the CA, LIST verb over TLS.
  const vault = vaultClient(server.addr, token, cert.certPem);
  const l = await vault.list('secret/metadata/tls');
  assert.deepEqual(l.data.keys, ['one', 'two']);
  const r = await vault.read('secret/data/tls/one');
  assert.deepEqual(r.data.data, { a: 'b' });

  // LIST then GET on one raw TLS connection.
  const conn = await RawConnection.open(server.port, { ca: cert.certPem });
  try {
    const lr = await conn.request(rawNoBody('LIST', '/v1/secret/metadata/tls/', token));
    assert.equal(lr.status, 200, lr.body);
    assert.deepEqual(JSON.parse(lr.body).data.keys, ['one', 'two']);
    const gr = await conn.request(rawNoBody('GET', '/v1/secret/data/tls/two', token));
    assert.equal(gr.status, 200, gr.body);
    assert.deepEqual(JSON.parse(gr.body).data.data, { c: 'd' });
  } finally {
    conn.close();
  }
});
