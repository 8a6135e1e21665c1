import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { envelope, startMockServer } from '../client/mock-server.ts';
import type { MockServer } from '../client/mock-server.ts';
import { CommandContext } from './context.ts';
import { parseFlags } from './flags.ts';
import type { CliIO } from './io.ts';
import { runCli } from './run.ts';
import { serverOptions } from './commands/server-command.ts';

let srv: MockServer;
let dir: string;
before(async () => {
  srv = await startMockServer();
  dir = await mkdtemp(path.join(os.tmpdir(), 'keep-cli-'));
  const v2 = envelope({ path: 'secret/', type: 'kv', options: { version: '2' } });
  for (const p of ['secret', 'secret/app', 'secret/gone']) srv.on(`GET /v1/sys/internal/ui/mounts/${p}`, { status: 200, body: v2 });
});
after(async () => {
  await srv.close();
});
beforeEach(() => {
  srv.requests.length = 0;
});

interface Run {
  code: number;
  out: string;
  err: string;
}

async function keep(argv: string[], opts: { env?: Record<string, string>; stdin?: string; tty?: boolean } = {}): Promise<Run> {
  let out = '';
  let err = '';
  const io: CliIO = {
    stdout: { write: (t: string) => (out += t) },
    stderr: { write: (t: string) => (err += t) },
    readStdin: () => Promise.resolve(opts.stdin ?? ''),
    readLine: () => Promise.resolve((opts.stdin ?? '').split('\n')[0]),
    stdoutIsTTY: opts.tty ?? false,
    env: { KEEP_ADDR: srv.url, KEEP_TOKEN: 'hvs.root', KEEP_MAX_RETRIES: '0', KEEP_TOKEN_FILE: path.join(dir, 'none'), ...opts.env },
    homedir: dir,
  };
  const code = await runCli(argv, io);
  return { code, out, err };
}

test('read prints a Key/Value table; -field prints the raw value without newline when piped', async () => {
  srv.on('GET /v1/secret/x', { status: 200, body: envelope({ password: 's3cr3t', user: 'ci' }, { lease_duration: 2764800 }) });
  const r = await keep(['read', 'secret/x']);
  assert.equal(r.code, 0);
  assert.equal(r.out, 'Key                 Value\n---                 -----\nrefresh_interval    768h\npassword            s3cr3t\nuser                ci\n');
  assert.equal(srv.requests[0].headers['x-vault-token'], 'hvs.root');
  const f = await keep(['read', '-field=password', 'secret/x']);
  assert.equal(f.out, 's3cr3t');
  const tty = await keep(['read', '-field', 'password', 'secret/x'], { tty: true });
  assert.equal(tty.out, 's3cr3t\n');
  const missing = await keep(['read', '-field=nope', 'secret/x']);
  assert.equal(missing.code, 1);
  assert.equal(missing.err, 'Field "nope" not present in secret\n');
  const json = await keep(['read', '-format=json', 'secret/x']);
  assert.equal(JSON.parse(json.out).data.user, 'ci');
  const yaml = await keep(['read', '-format', 'yaml', 'secret/x']);
  assert.match(yaml.out, /^data:\n {2}password: s3cr3t\n {2}user: ci$/m);
});

test('read: nothing there exits 2; a 403 prints the Vault-style error and exits 2', async () => {
  const r = await keep(['read', 'secret/none']);
  assert.equal(r.code, 2);
  assert.equal(r.err, 'No value found at secret/none\n');
  srv.on('GET /v1/secret/denied', { status: 403, body: { errors: ['permission denied'] } });
  const d = await keep(['read', '/secret/denied']);
  assert.equal(d.code, 2);
  assert.equal(d.err, `Error reading secret/denied: Error making API request.\n\nURL: GET ${srv.url}/v1/secret/denied\nCode: 403. Errors:\n\n* permission denied\n`);
});

test('usage errors exit 2: unknown flag, missing args, write without data', async () => {
  const a = await keep(['read', '-bogus', 'x']);
  assert.equal(a.code, 2);
  assert.match(a.err, /flag provided but not defined: -bogus/);
  const b = await keep(['list']);
  assert.equal(b.code, 2);
  assert.match(b.err, /Not enough arguments \(expected 1, got 0\)/);
  const c = await keep(['write', 'secret/x']);
  assert.equal(c.code, 2);
  assert.match(c.err, /Must supply data or use -force/);
  const d = await keep(['nosuchcommand']);
  assert.equal(d.code, 2);
  assert.match(d.err, /Unknown command: nosuchcommand/);
});

test('write sends k=v, @file and stdin data; 204 prints Success', async () => {
  srv.on('PUT /v1/secret/w', { status: 204 });
  const f = path.join(dir, 'v.txt');
  await writeFile(f, 'from-file');
  const r = await keep(['write', 'secret/w', 'a=1', `b=@${f}`, 'c=-'], { stdin: 'from-stdin' });
  assert.equal(r.code, 0);
  assert.equal(r.out, 'Success! Data written to: secret/w\n');
  assert.deepEqual(JSON.parse(srv.requests[0].body), { a: '1', b: 'from-file', c: 'from-stdin' });
  const j = await keep(['write', 'secret/w', '-'], { stdin: '{"n": 12345678901234567890}' });
  assert.equal(j.code, 0);
  assert.equal(srv.requests[1].body, '{"n":12345678901234567890}');
  const forced = await keep(['write', '-force', 'secret/w']);
  assert.equal(forced.code, 0);
});

test('flags after the path are not parsed and produce a warning', async () => {
  srv.on('PUT /v1/secret/w2', { status: 204 });
  const r = await keep(['write', 'secret/w2', 'a=b', '-force']);
  assert.match(r.err, /The following arguments will not be parsed as flags: \[-force\]/);
  assert.equal(r.code, 2);
  assert.match(r.err, /format must be key=value/);
});

test('list prints Keys; JSON prints the array', async () => {
  srv.on('GET /v1/secret/dir/', { status: 200, body: envelope({ keys: ['b', 'a/'] }) });
  const r = await keep(['list', 'secret/dir']);
  assert.equal(r.out, 'Keys\n----\na/\nb\n');
  assert.equal(srv.requests[0].query.get('list'), 'true');
  const j = await keep(['list', '-format=json', 'secret/dir']);
  assert.deepEqual(JSON.parse(j.out), ['b', 'a/']);
  const none = await keep(['list', 'secret/empty']);
  assert.equal(none.code, 2);
  assert.equal(none.err, 'No value found at secret/empty/\n');
});

test('kv get on v2 prints path, metadata and data sections', async () => {
  srv.on('GET /v1/secret/data/app', {
    status: 200,
    body: envelope({ data: { foo: 'bar' }, metadata: { created_time: '2025-01-01T00:00:00Z', custom_metadata: null, deletion_time: '', destroyed: false, version: 1 } }),
  });
  const r = await keep(['kv', 'get', 'secret/app']);
  assert.equal(r.code, 0);
  assert.equal(
    r.out,
    [
      '= Secret Path =',
      'secret/data/app',
      '',
      '======= Metadata =======',
      'Key                Value',
      '---                -----',
      'created_time       2025-01-01T00:00:00Z',
      'custom_metadata    <nil>',
      'deletion_time      n/a',
      'destroyed          false',
      'version            1',
      '',
      '=== Data ===',
      'Key    Value',
      '---    -----',
      'foo    bar',
      '',
    ].join('\n'),
  );
  const f = await keep(['kv', 'get', '-field=foo', 'secret/app']);
  assert.equal(f.out, 'bar');
  const m = await keep(['kv', 'get', '-mount=secret', 'app']);
  assert.equal(m.code, 0);
});

test('kv get of a deleted version shows its metadata; a missing key exits 2', async () => {
  srv.on('GET /v1/secret/data/gone', { status: 404, body: envelope({ data: null, metadata: { deletion_time: '2025-01-02T00:00:00Z', destroyed: false, version: 2 } }) });
  const r = await keep(['kv', 'get', 'secret/gone']);
  assert.equal(r.code, 0);
  assert.match(r.out, /deletion_time {4}2025-01-02T00:00:00Z/);
  assert.doesNotMatch(r.out, /=== Data ===/);
  const f = await keep(['kv', 'get', '-field=x', 'secret/gone']);
  assert.equal(f.code, 2);
  assert.match(f.err, /No data found at secret\/data\/gone/);
  srv.on('GET /v1/sys/internal/ui/mounts/secret/nothing', { status: 200, body: envelope({ path: 'secret/', options: { version: '2' } }) });
  const n = await keep(['kv', 'get', 'secret/nothing']);
  assert.equal(n.code, 2);
  assert.equal(n.err, 'No value found at secret/data/nothing\n');
});

test('kv put (v2) sends data+options and prints the version metadata; -cas is passed', async () => {
  srv.on('PUT /v1/secret/data/app', { status: 200, body: envelope({ created_time: 't', custom_metadata: null, deletion_time: '', destroyed: false, version: 2 }) });
  const r = await keep(['kv', 'put', '-cas=1', 'secret/app', 'foo=bar']);
  assert.equal(r.code, 0);
  assert.deepEqual(JSON.parse(srv.requests[1].body), { data: { foo: 'bar' }, options: { cas: 1 } });
  assert.match(r.out, /^= Secret Path =\nsecret\/data\/app\n\n======= Metadata =======\n/);
  assert.match(r.out, /version {12}2\n$/);
  const v = await keep(['kv', 'put', '-field=version', 'secret/app', 'a=b']);
  assert.equal(v.out, '2');
  const none = await keep(['kv', 'put', 'secret/app']);
  assert.equal(none.code, 2);
  assert.match(none.err, /Must supply data/);
});

test('kv undelete requires -versions; kv delete -versions uses M/delete', async () => {
  const u = await keep(['kv', 'undelete', 'secret/app']);
  assert.equal(u.code, 2);
  assert.match(u.err, /No versions provided/);
  srv.on('PUT /v1/secret/delete/app', { status: 204 });
  const d = await keep(['kv', 'delete', '-versions=1,2', 'secret/app']);
  assert.equal(d.code, 0);
  assert.equal(d.out, 'Success! Data deleted (if it existed) at: secret/delete/app\n');
  assert.deepEqual(JSON.parse(srv.requests[1].body), { versions: ['1', '2'] });
});

test('login TOKEN looks the token up, stores it in KEEP_TOKEN_FILE, and later commands use it', async () => {
  const tokenFile = path.join(dir, 'token-a');
  srv.on('GET /v1/auth/token/lookup-self', (req) =>
    req.headers['x-vault-token'] === 'hvs.user'
      ? { status: 200, body: envelope({ accessor: 'acc1', policies: ['default', 'dev'], ttl: 3600, renewable: true, meta: null, type: 'service' }) }
      : { status: 403, body: { errors: ['permission denied'] } },
  );
  const env = { KEEP_TOKEN: '', KEEP_TOKEN_FILE: tokenFile };
  const r = await keep(['login', 'hvs.user'], { env });
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^Success! You are now authenticated\./);
  assert.match(r.out, /token_duration {7}1h/);
  assert.equal(await readFile(tokenFile, 'utf8'), 'hvs.user');
  srv.on('GET /v1/secret/t', { status: 200, body: envelope({ a: 'b' }) });
  await keep(['read', 'secret/t'], { env });
  assert.equal(srv.requests.at(-1)?.headers['x-vault-token'], 'hvs.user');
  const bad = await keep(['login', '-no-store', 'hvs.bad'], { env });
  assert.equal(bad.code, 2);
  assert.match(bad.err, /^Error authenticating: /);
  assert.equal(await readFile(tokenFile, 'utf8'), 'hvs.user');
  const viaStdin = await keep(['login', '-token-only', '-'], { env: { ...env, KEEP_TOKEN_FILE: path.join(dir, 'token-b') }, stdin: 'hvs.user\n' });
  assert.equal(viaStdin.out, 'hvs.user');
});

test('login -method=<m> posts k=v to auth/<path>/login; userpass puts the username in the path', async () => {
  const tokenFile = path.join(dir, 'token-c');
  const auth = { auth: { client_token: 'hvs.ci', accessor: 'a', policies: ['ci'], token_policies: ['ci'], metadata: null, lease_duration: 900, renewable: true, entity_id: '', token_type: 'service', orphan: true } };
  srv.on('POST /v1/auth/ci-jwt/login', { status: 200, body: envelope(null, auth) });
  srv.on('POST /v1/auth/userpass/login/alice', { status: 200, body: envelope(null, auth) });
  const r = await keep(['login', '-method=jwt', '-path=ci-jwt', 'role=build', 'jwt=eyJ'], { env: { KEEP_TOKEN_FILE: tokenFile } });
  assert.equal(r.code, 0, r.err);
  assert.deepEqual(JSON.parse(srv.requests[0].body), { role: 'build', jwt: 'eyJ' });
  assert.equal(srv.requests[0].headers['x-vault-token'], undefined);
  assert.equal(await readFile(tokenFile, 'utf8'), 'hvs.ci');
  const u = await keep(['login', '-method=userpass', '-no-store', 'username=alice', 'password=pw'], { env: { KEEP_TOKEN_FILE: tokenFile } });
  assert.equal(u.code, 0, u.err);
  assert.deepEqual(JSON.parse(srv.requests[1].body), { password: 'pw' });
});

test('status exits 0 unsealed, 2 sealed, 1 when unreachable', async () => {
  srv.on('GET /v1/sys/seal-status', { status: 200, body: { type: 'shamir', initialized: true, sealed: false, t: 1, n: 1, progress: 0, nonce: '', version: '1.18.0+keep', migration: false, recovery_seal: false, storage_type: 'inmem' } });
  srv.on('GET /v1/sys/leader', { status: 200, body: { ha_enabled: false, is_self: false, leader_address: '', leader_cluster_address: '' } });
  const ok = await keep(['status']);
  assert.equal(ok.code, 0);
  assert.match(ok.out, /^Key {13}Value\n--- {13}-----\nSeal Type {7}shamir\nInitialized {5}true\nSealed {10}false\nTotal Shares {4}1\nThreshold {7}1\n/);
  assert.match(ok.out, /HA Enabled {6}false\n$/);
  srv.on('GET /v1/sys/seal-status', { status: 200, body: { type: 'shamir', initialized: true, sealed: true, t: 3, n: 5, progress: 1, nonce: 'n1', version: 'v', migration: false, recovery_seal: false } });
  srv.on('GET /v1/sys/leader', { status: 503, body: { errors: ['Vault is sealed'] } });
  const sealed = await keep(['status', '-format=json']);
  assert.equal(sealed.code, 2);
  assert.equal(JSON.parse(sealed.out).progress, 1);
  const down = await keep(['status'], { env: { KEEP_ADDR: 'http://127.0.0.1:1' } });
  assert.equal(down.code, 1);
  assert.match(down.err, /^Error checking seal status: /);
});

test('operator init -format=json prints the Vault CLI JSON shape', async () => {
  srv.on('GET /v1/sys/seal-status', { status: 200, body: { type: 'shamir', initialized: false, sealed: true } });
  srv.on('PUT /v1/sys/init', { status: 200, body: { keys: ['aa'], keys_base64: ['qg=='], root_token: 'hvs.root2' } });
  const r = await keep(['operator', 'init', '-key-shares=1', '-key-threshold=1', '-format=json']);
  assert.equal(r.code, 0);
  const put = srv.requests.find((q) => q.method === 'PUT');
  assert.deepEqual(JSON.parse(put?.body ?? ''), { secret_shares: 1, secret_threshold: 1 });
  const out = JSON.parse(r.out);
  assert.deepEqual(out.unseal_keys_b64, ['qg==']);
  assert.deepEqual(out.unseal_keys_hex, ['aa']);
  assert.equal(out.root_token, 'hvs.root2');
  assert.equal(out.unseal_threshold, 1);
  const t = await keep(['operator', 'init', '-key-shares=1', '-key-threshold=1']);
  assert.match(t.out, /^Unseal Key 1: qg==\n\nInitial Root Token: hvs\.root2\n/);
});

test('operator init on an auto-unseal server sends recovery shares', async () => {
  srv.on('GET /v1/sys/seal-status', { status: 200, body: { type: 'static', initialized: false, sealed: true } });
  srv.on('PUT /v1/sys/init', { status: 200, body: { keys: [], keys_base64: [], recovery_keys: ['bb'], recovery_keys_base64: ['uw=='], root_token: 'hvs.root3' } });
  const r = await keep(['operator', 'init']);
  assert.equal(r.code, 0);
  const put = srv.requests.find((q) => q.method === 'PUT');
  assert.deepEqual(JSON.parse(put?.body ?? ''), { recovery_shares: 5, recovery_threshold: 3 });
  assert.match(r.out, /Recovery Key 1: uw==/);
  assert.match(r.out, /5 recovery key shares and a recovery threshold of 3/);
});

test('lease revoke queues by default (sync false); -force needs -prefix', async () => {
  srv.on('PUT /v1/sys/leases/revoke', { status: 202 });
  const r = await keep(['lease', 'revoke', 'database/creds/ro/abc']);
  assert.equal(r.code, 0);
  assert.equal(r.out, 'All revocation operations queued successfully!\n');
  assert.deepEqual(JSON.parse(srv.requests[0].body), { lease_id: 'database/creds/ro/abc', sync: false });
  const s = await keep(['lease', 'revoke', '-sync', 'database/creds/ro/abc']);
  assert.equal(s.out, 'Success! Revoked lease: database/creds/ro/abc\n');
  const f = await keep(['lease', 'revoke', '-force', 'database/']);
  assert.equal(f.code, 2);
  assert.match(f.err, /Specifying -force requires also specifying -prefix/);
  srv.on('PUT /v1/sys/leases/revoke-force/database/creds', { status: 204 });
  const fp = await keep(['lease', 'revoke', '-force', '-prefix', 'database/creds']);
  assert.equal(fp.code, 0);
  assert.match(fp.out, /Force revoked any leases with prefix: database\/creds/);
  srv.on('PUT /v1/sys/leases/renew', { status: 200, body: envelope(null, { lease_id: 'l1', lease_duration: 3600, renewable: true }) });
  const rn = await keep(['lease', 'renew', '-increment=1h', 'l1']);
  assert.equal(rn.code, 0);
  assert.deepEqual(JSON.parse(srv.requests.at(-1)?.body ?? ''), { lease_id: 'l1', increment: '1h' });
  assert.match(rn.out, /lease_duration {5}1h/);
});

test('token create builds the request from flags; -field=token prints the token', async () => {
  srv.on('PUT /v1/auth/token/create-orphan', { status: 200, body: envelope(null, { auth: { client_token: 'hvs.child', accessor: 'a', policies: ['a', 'b'], metadata: { team: 'x' }, lease_duration: 3600, renewable: true, entity_id: '', token_type: 'service', orphan: true } }) });
  const r = await keep(['token', 'create', '-orphan', '-policy=a', '-policy', 'b,c', '-ttl=1h', '-num-uses=3', '-metadata', 'team=x', '-display-name=ci', '-field=token']);
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out, 'hvs.child');
  assert.deepEqual(JSON.parse(srv.requests[0].body), { policies: ['a', 'b', 'c'], ttl: '1h', display_name: 'ci', num_uses: 3, no_parent: true, meta: { team: 'x' } });
});

test('token capabilities prints the sorted list', async () => {
  srv.on('PUT /v1/sys/capabilities-self', { status: 200, body: envelope({ capabilities: ['update', 'read'], 'secret/data/x': ['update', 'read'] }) });
  const r = await keep(['token', 'capabilities', 'secret/data/x']);
  assert.equal(r.out, 'read, update\n');
  assert.deepEqual(JSON.parse(srv.requests[0].body), { paths: ['secret/data/x'] });
});

test('secrets enable -version=2 sets options.version; secrets list prints a table', async () => {
  srv.on('POST /v1/sys/mounts/kv2', { status: 204 });
  const r = await keep(['secrets', 'enable', '-path=kv2', '-version=2', '-description=ci', '-default-lease-ttl=1h', 'kv']);
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out, 'Success! Enabled the kv secrets engine at: kv2/\n');
  assert.deepEqual(JSON.parse(srv.requests[0].body), { type: 'kv', description: 'ci', config: { default_lease_ttl: '1h' }, options: { version: '2' } });
  srv.on('GET /v1/sys/mounts', { status: 200, body: envelope({ 'secret/': { type: 'kv', accessor: 'kv_1', description: 'key/value secret storage', config: {}, options: { version: '2' }, local: false, seal_wrap: false }, 'sys/': { type: 'system', accessor: 'system_2', description: 'system endpoints', config: {}, options: null, local: false, seal_wrap: false } }) });
  const l = await keep(['secrets', 'list']);
  assert.equal(l.out, 'Path       Type      Accessor    Description\n----       ----      --------    -----------\nsecret/    kv        kv_1        key/value secret storage\nsys/       system    system_2    system endpoints\n');
});

test('policy write reads a file; policy fmt rewrites it in place', async () => {
  const f = path.join(dir, 'p.hcl');
  await writeFile(f, 'path "secret/*" {capabilities=["read"]}');
  srv.on('PUT /v1/sys/policies/acl/ci', { status: 204 });
  const w = await keep(['policy', 'write', 'CI', f]);
  assert.equal(w.out, 'Success! Uploaded policy: ci\n');
  assert.deepEqual(JSON.parse(srv.requests[0].body), { policy: 'path "secret/*" {capabilities=["read"]}' });
  const fmt = await keep(['policy', 'fmt', f]);
  assert.equal(fmt.code, 0);
  assert.equal(await readFile(f, 'utf8'), 'path "secret/*" {\n  capabilities = ["read"]\n}\n');
  await writeFile(f, 'path "x" {');
  const bad = await keep(['policy', 'fmt', f]);
  assert.equal(bad.code, 1);
  assert.match(bad.err, /^Failed to parse policy: invalid HCL|^Failed to parse policy: At /);
});

test('server: requires -config or -dev; dev variants imply -dev; env fallbacks apply', () => {
  const io = { env: { VAULT_DEV_ROOT_TOKEN_ID: 'root' } } as unknown as CliIO;
  const specs = [
    { name: 'config', type: 'string' as const, usage: '' },
    { name: 'dev', type: 'bool' as const, usage: '' },
    { name: 'dev-root-token-id', type: 'string' as const, usage: '' },
    { name: 'dev-listen-address', type: 'string' as const, usage: '' },
    { name: 'dev-no-store-token', type: 'bool' as const, usage: '' },
    { name: 'dev-kv-v1', type: 'bool' as const, usage: '' },
    { name: 'dev-demo', type: 'bool' as const, usage: '' },
    { name: 'log-level', type: 'string' as const, usage: '' },
  ];
  const ctx = (argv: string[]) => new CommandContext(io, parseFlags(argv, specs).flags);
  assert.throws(() => serverOptions(ctx([])), /Must specify at least one config path using -config/);
  assert.deepEqual(serverOptions(ctx(['-dev-kv-v1'])), { dev: true, devNoStoreToken: false, devKvV1: true, devDemo: false, devRootTokenId: 'root' });
  assert.deepEqual(serverOptions(ctx(['-config=/etc/keep.hcl', '-log-level=debug'])), {
    dev: false,
    devNoStoreToken: false,
    devKvV1: false,
    devDemo: false,
    config: '/etc/keep.hcl',
    devRootTokenId: 'root',
    logLevel: 'debug',
  });
});

test('help: top-level and per command exit 0; bare group exits 2', async () => {
  const h = await keep(['-h']);
  assert.equal(h.code, 0);
  assert.match(h.out, /kv metadata get/);
  const c = await keep(['kv', 'get', '-h']);
  assert.equal(c.code, 0);
  assert.match(c.out, /^Usage: keep kv get \[options\] KEY/);
  const g = await keep(['kv']);
  assert.equal(g.code, 2);
  assert.match(g.err, /Subcommands:/);
});
