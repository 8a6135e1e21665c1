import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KeepError } from '../../errors.ts';
import { createSysBackend } from './backend.ts';
import { makeFakes, makeRunner, mountEntry, SYSTEM_TTL } from './test-fakes.ts';

async function rejects(p: Promise<unknown>, status: number, message: string): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof KeepError, `expected KeepError, got ${String(e)}`);
    assert.equal(e.message, message);
    assert.equal(e.status, status);
    return true;
  });
}

function setup() {
  const fakes = makeFakes();
  const { run } = makeRunner(createSysBackend(fakes.services));
  return { ...fakes, run };
}

describe('sys/mounts', () => {
  it('lists every secrets mount with the mount-info shape', async () => {
    const { run } = setup();
    const r = await run({ operation: 'read', path: 'mounts' });
    const data = r?.data as Record<string, Record<string, unknown>>;
    assert.deepEqual(Object.keys(data).sort(), ['cubbyhole/', 'identity/', 'secret/', 'sys/']);
    assert.deepEqual(data['secret/'], {
      accessor: 'kv_1234abcd',
      config: { default_lease_ttl: 0, max_lease_ttl: 0, force_no_cache: false },
      deprecation_status: 'supported',
      description: 'key/value secret storage',
      external_entropy_access: false,
      local: false,
      options: { version: '2' },
      plugin_version: '',
      running_plugin_version: 'v0.1.0+builtin.keep',
      running_sha256: '',
      seal_wrap: false,
      type: 'kv',
      uuid: 'uuid-secret/',
    });
    assert.equal(data['sys/'].deprecation_status, undefined);
    assert.equal(data['cubbyhole/'].options, null);
    assert.deepEqual((data['sys/'].config as Record<string, unknown>).passthrough_request_headers, ['Accept']);
  });

  it('enables a mount, aliasing kv-v2 and coercing the config map', async () => {
    const { run, mounts } = setup();
    const r = await run({
      operation: 'update',
      path: 'mounts/kv2',
      data: {
        type: 'kv-v2',
        description: 'd',
        config: { default_lease_ttl: '1h', max_lease_ttl: 7200, audit_non_hmac_request_keys: 'a, b', force_no_cache: 'true', listing_visibility: 'unauth' },
        local: 'true',
      },
    });
    assert.equal(r, undefined);
    assert.deepEqual(mounts.calls.at(-1), {
      op: 'enable',
      kind: 'secret',
      path: 'kv2/',
      input: {
        type: 'kv',
        description: 'd',
        config: { default_lease_ttl: 3600, max_lease_ttl: 7200, audit_non_hmac_request_keys: ['a', 'b'], force_no_cache: true, listing_visibility: 'unauth' },
        options: { version: '2' },
        local: true,
        seal_wrap: false,
        external_entropy_access: false,
      },
    });
  });

  it('kv-v1 sets version 1; "system" TTLs mean unset', async () => {
    const { run, mounts } = setup();
    await run({ operation: 'update', path: 'mounts/old', data: { type: 'kv-v1', config: { default_lease_ttl: 'system', max_lease_ttl: '' } } });
    const input = mounts.calls.at(-1)?.input as { type: string; options: unknown; config: Record<string, unknown> };
    assert.equal(input.type, 'kv');
    assert.deepEqual(input.options, { version: '1' });
    assert.equal(input.config.default_lease_ttl, 0);
    assert.equal(input.config.max_lease_ttl, 0);
  });

  it('rejects enable requests with Vault messages', async () => {
    const { run } = setup();
    await rejects(run({ operation: 'update', path: 'mounts/x', data: {} }), 400, 'backend type must be specified as a string');
    await rejects(
      run({ operation: 'update', path: 'mounts/x', data: { type: 'database', options: { version: '2' } } }),
      400,
      'secrets engine "database" does not allow setting a version',
    );
    await rejects(
      run({ operation: 'update', path: 'mounts/x', data: { type: 'kv', config: { default_lease_ttl: '2h', max_lease_ttl: '1h' } } }),
      400,
      'given default lease TTL greater than given max lease TTL',
    );
    await rejects(
      run({ operation: 'update', path: 'mounts/x', data: { type: 'kv', config: { default_lease_ttl: '800h' } } }),
      400,
      `given default lease TTL greater than system max lease TTL of ${SYSTEM_TTL}`,
    );
    await rejects(
      run({ operation: 'update', path: 'mounts/x', data: { type: 'kv', config: { default_lease_ttl: 'soon' } } }),
      400,
      'unable to parse default TTL of soon: time: invalid duration "soon"',
    );
    await rejects(
      run({ operation: 'update', path: 'mounts/x', data: { type: 'kv', config: { max_lease_ttl: '5x' } } }),
      400,
      'unable to parse max TTL of 5x: time: unknown unit "x" in duration "5x"',
    );
    await rejects(
      run({ operation: 'update', path: 'mounts/x', data: { type: 'kv', config: { max_lease_ttl: true } } }),
      400,
      'unable to convert given mount config information',
    );
    await rejects(
      run({ operation: 'update', path: 'mounts/x', data: { type: 'kv', config: { listing_visibility: 'public' } } }),
      400,
      'invalid listing_visibility public',
    );
    // Conflicts are the mount table's (core) to report; they pass through unchanged.
    await rejects(run({ operation: 'update', path: 'mounts/secret/sub', data: { type: 'kv' } }), 400, 'path is already in use at secret/');
  });

  it('reads the mount containing a path, or 400s', async () => {
    const { run } = setup();
    const r = await run({ operation: 'read', path: 'mounts/secret/app/db' });
    assert.equal(r?.data?.type, 'kv');
    await rejects(run({ operation: 'read', path: 'mounts/nope' }), 400, 'No secret engine mount at nope/');
  });

  it('disables a mount (idempotent) and passes core refusals through', async () => {
    const { run, mounts } = setup();
    assert.equal(await run({ operation: 'delete', path: 'mounts/secret' }), undefined);
    assert.equal(mounts.get('secret', 'secret/'), undefined);
    assert.equal(await run({ operation: 'delete', path: 'mounts/secret' }), undefined);
    await rejects(run({ operation: 'delete', path: 'mounts/sys' }), 400, 'cannot unmount "sys/"');
  });
});

describe('sys/mounts/<path>/tune', () => {
  it('reads effective TTLs and set options', async () => {
    const { run, mounts } = setup();
    mounts.secret.push(mountEntry('db/', 'database', { config: { default_lease_ttl: 3600, max_lease_ttl: 0, force_no_cache: false } }));
    const r = await run({ operation: 'read', path: 'mounts/db/tune' });
    assert.deepEqual(r?.data, { description: '', default_lease_ttl: 3600, max_lease_ttl: SYSTEM_TTL, force_no_cache: false });
    const kv = await run({ operation: 'read', path: 'mounts/secret/tune' });
    assert.deepEqual(kv?.data?.options, { version: '2' });
    assert.equal(kv?.data?.default_lease_ttl, SYSTEM_TTL);
  });

  it('reads token_type for auth mounts', async () => {
    const { run } = setup();
    const r = await run({ operation: 'read', path: 'auth/token/tune' });
    assert.equal(r?.data?.token_type, 'default-service');
  });

  it('passes only the supplied changes, "system" resetting TTLs', async () => {
    const { run, mounts } = setup();
    const r = await run({
      operation: 'update',
      path: 'mounts/secret/tune',
      data: { default_lease_ttl: 'system', max_lease_ttl: '2h', description: 'new', options: { foo: 'bar' } },
    });
    assert.equal(r, undefined);
    assert.deepEqual(mounts.calls.at(-1), {
      op: 'tune',
      kind: 'secret',
      path: 'secret/',
      input: { default_lease_ttl: 0, max_lease_ttl: 7200, description: 'new', options: { foo: 'bar' } },
    });
  });

  it('returns the warnings of the mount table (KV upgrade)', async () => {
    const { run, mounts } = setup();
    mounts.secret.push(mountEntry('v1/', 'kv', { options: { version: '1' } }));
    const w = 'Upgrading mount from version 1 to version 2. This mount will be unavailable for a brief period and will resume service shortly.';
    mounts.tuneWarnings = [w];
    const r = await run({ operation: 'update', path: 'mounts/v1/tune', data: { options: { version: '2' } } });
    assert.deepEqual(r, { warnings: [w] });
  });

  it('rejects bad tunes with Vault messages', async () => {
    const { run, mounts } = setup();
    mounts.secret.push(mountEntry('db/', 'database', { config: { default_lease_ttl: 3600, max_lease_ttl: 0, force_no_cache: false } }));
    await rejects(
      run({ operation: 'update', path: 'mounts/db/tune', data: { max_lease_ttl: '30m' } }),
      400,
      'backend max lease TTL of 1800 would be less than backend default lease TTL of 3600',
    );
    await rejects(run({ operation: 'update', path: 'mounts/secret/tune', data: { options: { version: '1' } } }), 400, 'cannot downgrade mount from version 2');
    await rejects(run({ operation: 'update', path: 'mounts/secret/tune', data: { options: { version: '3' } } }), 400, 'invalid version provided: 3');
    await rejects(run({ operation: 'update', path: 'mounts/nope/tune', data: { description: 'x' } }), 400, 'tune of path "nope/" failed: no mount entry found');
    await rejects(run({ operation: 'read', path: 'mounts/nope/tune' }), 400, 'cannot fetch sysview for path "nope/"');
    await rejects(run({ operation: 'update', path: 'mounts/secret/tune', data: { token_type: 'batch' } }), 400, `'token_type' can only be modified on auth mounts`);
    await rejects(
      run({ operation: 'update', path: 'auth/token/tune', data: { token_type: 'batch' } }),
      400,
      `'token_type' cannot be set for 'token' or 'ns_token' auth mounts`,
    );
    await rejects(run({ operation: 'update', path: 'mounts/secret/tune', data: { listing_visibility: 'x' } }), 400, 'invalid listing_visibility x');
    await rejects(run({ operation: 'update', path: 'mounts/secret/tune', data: { default_lease_ttl: 'abc' } }), 400, 'time: invalid duration "abc"');
  });

  it('a max TTL below the system default is fine while the default is unset', async () => {
    const { run, mounts } = setup();
    await run({ operation: 'update', path: 'mounts/secret/tune', data: { max_lease_ttl: '1h' } });
    assert.deepEqual(mounts.calls.at(-1)?.input, { max_lease_ttl: 3600 });
  });
});

describe('sys/auth', () => {
  it('lists auth mounts with token_type in config', async () => {
    const { run } = setup();
    const r = await run({ operation: 'read', path: 'auth' });
    const token = (r?.data as Record<string, Record<string, unknown>>)['token/'];
    assert.equal(token.type, 'token');
    assert.equal(token.description, 'token based credentials');
    assert.deepEqual(token.config, { default_lease_ttl: 0, max_lease_ttl: 0, force_no_cache: false, token_type: 'default-service' });
    assert.equal(token.deprecation_status, undefined);
  });

  it('enables an auth method with a token_type', async () => {
    const { run, mounts } = setup();
    await run({ operation: 'update', path: 'auth/jwt', data: { type: 'jwt', config: { token_type: 'batch' } } });
    const input = mounts.calls.at(-1)?.input as { type: string; config: Record<string, unknown> };
    assert.equal(input.type, 'jwt');
    assert.equal(input.config.token_type, 'batch');
    const r = await run({ operation: 'read', path: 'auth/jwt' });
    assert.equal(r?.data?.type, 'jwt');
    assert.equal(r?.data?.deprecation_status, 'supported');
  });

  it('rejects bad auth enables and reads', async () => {
    const { run } = setup();
    await rejects(run({ operation: 'update', path: 'auth/x', data: {} }), 400, 'backend type must be specified as a string');
    await rejects(run({ operation: 'update', path: 'auth/x', data: { type: 'jwt', config: { token_type: 'weird' } } }), 400, `invalid value for 'token_type'`);
    await rejects(
      run({ operation: 'update', path: 'auth/x', data: { type: 'jwt', options: { version: '2' } } }),
      400,
      'auth method "jwt" does not allow setting a version',
    );
    await rejects(
      run({ operation: 'update', path: 'auth/x', data: { type: 'jwt', config: { max_lease_ttl: [] } } }),
      400,
      'unable to convert given auth config information',
    );
    await rejects(run({ operation: 'read', path: 'auth/nope' }), 400, 'No auth engine at nope/');
  });

  it('disables (idempotent) and refuses auth/token', async () => {
    const { run, mounts } = setup();
    await run({ operation: 'update', path: 'auth/jwt', data: { type: 'jwt' } });
    assert.equal(await run({ operation: 'delete', path: 'auth/jwt' }), undefined);
    assert.equal(mounts.get('auth', 'jwt/'), undefined);
    assert.equal(await run({ operation: 'delete', path: 'auth/jwt' }), undefined);
    await rejects(run({ operation: 'delete', path: 'auth/token' }), 400, 'cannot unmount "auth/token/"');
  });
});

describe('sys/remount', () => {
  it('moves synchronously and reports success through the status endpoint', async () => {
    const { run, mounts } = setup();
    const r = await run({ operation: 'update', path: 'remount', data: { from: 'secret', to: 'kv' } });
    const id = r?.data?.migration_id as string;
    assert.match(id, /^[0-9a-f-]{36}$/);
    assert.equal(r?.warnings?.length, 1);
    assert.ok(mounts.get('secret', 'kv/'));
    const s = await run({ operation: 'read', path: `remount/status/${id}` });
    assert.deepEqual(s?.data, { migration_id: id, migration_info: { source_mount: 'secret/', target_mount: 'kv/', status: 'success' } });
    assert.equal(await run({ operation: 'read', path: 'remount/status/unknown' }), undefined);
  });

  it('validates from/to', async () => {
    const { run } = setup();
    await rejects(run({ operation: 'update', path: 'remount', data: { from: 'secret' } }), 400, `both 'from' and 'to' path must be specified as a string`);
    await rejects(run({ operation: 'update', path: 'remount', data: { from: 'secret ', to: 'x' } }), 400, `'from' path cannot contain trailing whitespace`);
    await rejects(run({ operation: 'update', path: 'remount', data: { from: 'secret', to: ' x' } }), 400, `'to' path cannot contain trailing whitespace`);
    await rejects(
      run({ operation: 'update', path: 'remount', data: { from: 'auth/token', to: 'tok' } }),
      400,
      'cannot remount auth mount to non-auth mount "tok/"',
    );
    await rejects(run({ operation: 'update', path: 'remount', data: { from: 'nope', to: 'x' } }), 400, 'no matching mount at "nope/"');
  });
});
