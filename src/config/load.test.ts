import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, parseConfig } from './load.ts';
import { ConfigError } from './types.ts';

const HEX_KEY = 'a'.repeat(64);
const B64_KEY = Buffer.alloc(32, 7).toString('base64');
let dir: string;
let cert: string;
let key: string;
let keyFile: string;

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'keep-config-'));
  cert = path.join(dir, 'cert.pem');
  key = path.join(dir, 'key.pem');
  keyFile = path.join(dir, 'seal.key');
  await writeFile(cert, 'CERT');
  await writeFile(key, 'KEY');
  await writeFile(keyFile, `${HEX_KEY}\n`);
});

async function write(name: string, text: string): Promise<string> {
  const p = path.join(dir, name);
  await writeFile(p, text);
  return p;
}

test('a full HCL config', async () => {
  const file = await write(
    'full.hcl',
    `
storage "sqlite" {
  path = "/var/lib/keep/keep.db"
}
listener "tcp" {
  address     = "0.0.0.0:8200"
  tls_cert_file = "${cert}"
  tls_key_file  = "${key}"
  max_request_size = 1048576
}
listener "tcp" {
  address = "127.0.0.1:8201"
  tls_disable = "true"
}
seal "static" {
  current_key_id = "2025-01"
  current_key    = "env://KEEP_SEAL_KEY"
}
ui = true
api_addr = "https://keep.example:8200"
cluster_name = "ci"
default_lease_ttl = "1h"
max_lease_ttl = "30d"
log_level = "DEBUG"
disable_mlock = true
`,
  );
  const c = await loadConfig(file, { env: { KEEP_SEAL_KEY: HEX_KEY } });
  assert.deepEqual(c, {
    storage: { type: 'sqlite', path: '/var/lib/keep/keep.db' },
    listeners: [
      { address: '0.0.0.0:8200', tlsDisable: false, tlsCertFile: cert, tlsKeyFile: key, maxRequestSize: 1048576 },
      { address: '127.0.0.1:8201', tlsDisable: true },
    ],
    seal: { type: 'static', keyId: '2025-01', key: HEX_KEY },
    ui: true,
    apiAddr: 'https://keep.example:8200',
    clusterName: 'ci',
    defaultLeaseTTL: 3600,
    maxLeaseTTL: 2592000,
    logLevel: 'debug',
    warnings: [],
  });
});

test('a minimal config gets the defaults', async () => {
  const c = await parseConfig('storage "inmem" {}\nlistener "tcp" {\n tls_disable = 1\n}\n');
  assert.deepEqual(c, {
    storage: { type: 'inmem' },
    listeners: [{ address: '127.0.0.1:8200', tlsDisable: true }],
    seal: { type: 'shamir' },
    ui: false,
    defaultLeaseTTL: 2764800,
    maxLeaseTTL: 2764800,
    logLevel: 'info',
    warnings: [],
  });
});

test('the same config in JSON (object and list stanza forms)', async () => {
  const file = await write(
    'c.json',
    JSON.stringify({
      storage: { sqlite: { path: 'keep.db' } },
      listener: [{ tcp: { address: '[::1]:8200', tls_disable: true } }],
      seal: { static: { current_key_id: 'k1', current_key: `file://${keyFile}` } },
      default_lease_ttl: 600,
    }),
  );
  const c = await loadConfig(file);
  assert.deepEqual(c.storage, { type: 'sqlite', path: 'keep.db' });
  assert.deepEqual(c.listeners, [{ address: '[::1]:8200', tlsDisable: true }]);
  assert.deepEqual(c.seal, { type: 'static', keyId: 'k1', key: HEX_KEY });
  assert.equal(c.defaultLeaseTTL, 600);
});

test('static seal: literal hex/base64 keys and a previous key; backend alias; unknown keys warn', async () => {
  const c = await parseConfig(`
backend "inmem" {}
listener "tcp" { tls_disable = true  proxy = 1 }
seal "static" {
  current_key_id = "new"
  current_key = "${B64_KEY}"
  previous_key_id = "old"
  previous_key = "${HEX_KEY}"
}
telemetry { statsd_address = "x" }
whatever = 1
`);
  assert.deepEqual(c.storage, { type: 'inmem' });
  assert.deepEqual(c.seal, { type: 'static', keyId: 'new', key: B64_KEY, previousKeyId: 'old', previousKey: HEX_KEY });
  assert.deepEqual(c.warnings, [
    '"telemetry" is not supported by Keep and is ignored',
    'unknown top-level key "whatever" ignored',
    'listener "tcp" (127.0.0.1:8200): unknown field "proxy" ignored',
  ]);
});

const L = 'listener "tcp" { tls_disable = true }\n';
const S = 'storage "inmem" {}\n';

const invalid: Array<[string, string, RegExp]> = [
  ['unknown storage type', 'storage "consul" {}\n' + L, /^storage "consul": unknown storage type \(supported: inmem, sqlite\)$/],
  ['missing sqlite path', 'storage "sqlite" {}\n' + L, /^storage "sqlite": path is required$/],
  ['empty sqlite path', 'storage "sqlite" { path = "" }\n' + L, /^storage "sqlite": path must not be empty$/],
  ['two storage stanzas', S + 'storage "sqlite" { path = "x" }\n' + L, /^storage: only one storage stanza is allowed, found 2$/],
  ['no storage', L, /^storage: a storage stanza is required/],
  ['no listener', S, /^listener: at least one listener stanza is required/],
  ['unix listener', S + 'listener "unix" { address = "/tmp/s" }', /^listener "unix": unsupported listener type \(supported: tcp\)$/],
  ['bad address', S + 'listener "tcp" { address = "localhost" tls_disable = true }', /^listener "tcp": address "localhost" must be host:port$/],
  ['port out of range', S + 'listener "tcp" { address = "0.0.0.0:70000" tls_disable = true }', /must be host:port/],
  ['tls without cert', S + 'listener "tcp" { address = "0.0.0.0:8200" }', /^listener "tcp" \(0\.0\.0\.0:8200\): tls_cert_file is required unless tls_disable = true$/],
  ['tls with unreadable cert', S + 'listener "tcp" { tls_cert_file = "/nonexistent/c.pem" tls_key_file = "/nonexistent/k.pem" }', /^listener "tcp" \(127\.0\.0\.1:8200\): tls_cert_file: cannot read "\/nonexistent\/c\.pem": ENOENT$/],
  ['tls_disable not a boolean', S + 'listener "tcp" { tls_disable = "maybe" }', /tls_disable: expected a boolean/],
  ['max_request_size negative', S + 'listener "tcp" { tls_disable = true max_request_size = -1 }', /max_request_size: must be 0/],
  ['max_request_size not an integer', S + 'listener "tcp" { tls_disable = true max_request_size = "big" }', /max_request_size: expected an integer/],
  ['bad duration', S + L + 'default_lease_ttl = "abc"', /^default_lease_ttl: invalid duration "abc": /],
  ['unitless duration text', S + L + 'max_lease_ttl = "5x"', /^max_lease_ttl: invalid duration "5x": /],
  ['negative duration', S + L + 'max_lease_ttl = "-1h"', /^max_lease_ttl: duration must not be negative$/],
  ['default above max', S + L + 'default_lease_ttl = "48h"\nmax_lease_ttl = "24h"', /^default_lease_ttl \(172800s\) cannot be greater than max_lease_ttl \(86400s\)$/],
  ['missing key env var', S + L + 'seal "static" { current_key_id = "a" current_key = "env://NOPE_NOT_SET" }', /^seal "static": current_key: environment variable NOPE_NOT_SET is not set$/],
  ['unreadable key file', S + L + 'seal "static" { current_key_id = "a" current_key = "file:///nonexistent/key" }', /^seal "static": current_key: cannot read key file "\/nonexistent\/key": ENOENT$/],
  ['short key', S + L + 'seal "static" { current_key_id = "a" current_key = "abcd" }', /^seal "static": current_key: the key must be 32 bytes/],
  ['missing key id', S + L + `seal "static" { current_key = "${HEX_KEY}" }`, /^seal "static": current_key_id is required$/],
  ['missing key', S + L + 'seal "static" { current_key_id = "a" }', /^seal "static": current_key is required$/],
  ['previous key without id', S + L + `seal "static" { current_key_id = "a" current_key = "${HEX_KEY}" previous_key = "${HEX_KEY}" }`, /previous_key and previous_key_id must be given together/],
  ['unsupported seal', S + L + 'seal "awskms" { region = "x" }', /^seal "awskms": unsupported seal type \(supported: shamir, static\)$/],
  ['bad log level', S + L + 'log_level = "loud"', /^log_level: unknown level "loud"/],
  ['ui not a boolean', S + L + 'ui = "sometimes"', /^ui: expected a boolean/],
  ['invalid HCL', 'storage "inmem" {\n  path = \n}', /^invalid HCL: At 3:\d+: /],
  ['JSON that is not an object', '[1, 2]', /must be an object|invalid/],
];

for (const [name, text, re] of invalid) {
  test(`rejects: ${name}`, async () => {
    await assert.rejects(parseConfig(text, { env: {} }), (e: unknown) => e instanceof ConfigError && re.test(e.message));
  });
}

test('the secret key never appears in an error', async () => {
  const secretish = 'deadbeef'.repeat(7);
  const err = await parseConfig(S + L + `seal "static" { current_key_id = "a" current_key = "${secretish}" }`).catch((e: unknown) => e);
  assert.ok(err instanceof ConfigError);
  assert.ok(!err.message.includes(secretish));
});

test('loadConfig: unreadable file, invalid JSON, and errors prefixed with the file path', async () => {
  await assert.rejects(loadConfig(path.join(dir, 'missing.hcl')), (e: unknown) => e instanceof ConfigError && /^error reading config file .*missing\.hcl: ENOENT$/.test(e.message));
  const bad = await write('bad.json', '{"storage": ');
  await assert.rejects(loadConfig(bad), (e: unknown) => e instanceof ConfigError && e.message.startsWith(`${bad}: invalid JSON: `));
  const noStorage = await write('nostorage.hcl', L);
  await assert.rejects(loadConfig(noStorage), (e: unknown) => e instanceof ConfigError && e.message.startsWith(`${noStorage}: storage: a storage stanza is required`));
});
