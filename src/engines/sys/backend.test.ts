import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createSysBackend } from './backend.ts';
import { makeFakes, makeRunner } from './test-fakes.ts';

function setup() {
  const fakes = makeFakes();
  const backend = createSysBackend(fakes.services);
  const { run, compiled } = makeRunner(backend);
  return { ...fakes, backend, run, compiled };
}

describe('sys backend', () => {
  it('is of type system and does not declare the special handlers', () => {
    const { backend, compiled } = setup();
    assert.equal(backend.type, 'system');
    for (const p of ['init', 'seal-status', 'unseal', 'health', 'leader', 'audit', 'audit/file']) {
      assert.equal(compiled.route(p), undefined, p);
    }
  });

  it('routes tune, mount and auth paths to distinct declarations', () => {
    const { compiled } = setup();
    const tune = compiled.route('mounts/secret/tune');
    assert.deepEqual(tune?.captures, { path: 'secret' });
    assert.match(tune?.def.pattern ?? '', /tune$/);
    const nested = compiled.route('mounts/a/b/tune');
    assert.deepEqual(nested?.captures, { path: 'a/b' });
    const mount = compiled.route('mounts/tune');
    assert.deepEqual(mount?.captures, { path: 'tune' });
    assert.doesNotMatch(mount?.def.pattern ?? '', /\/tune$/);
    assert.deepEqual(compiled.route('auth/jwt/tune')?.captures, { path: 'jwt' });
    assert.deepEqual(compiled.route('auth/jwt')?.captures, { path: 'jwt' });
    assert.deepEqual(compiled.route('revoke/a/b')?.captures, { url_lease_id: 'a/b' });
    assert.deepEqual(compiled.route('leases/revoke-prefix/a/')?.captures, { prefix: 'a/' });
  });

  it('declares the root-protected paths of spec 2.16', () => {
    const { compiled } = setup();
    for (const p of ['auth/jwt', 'auth/jwt/tune', 'remount', 'rotate', 'seal', 'step-down', 'leases/lookup/', 'leases/lookup/db/', 'leases', 'revoke-prefix/x', 'revoke-force/x', 'leases/revoke-prefix/x', 'leases/revoke-force/x', 'audit', 'audit/file']) {
      assert.equal(compiled.isRootProtected(p), true, p);
    }
    for (const p of ['mounts/secret', 'mounts/secret/tune', 'policies/acl/x', 'leases/lookup', 'leases/revoke', 'auth', 'capabilities']) {
      assert.equal(compiled.isRootProtected(p), false, p);
    }
  });

  it('declares the unauthenticated paths of spec 2.16', () => {
    const { compiled } = setup();
    for (const p of ['wrapping/lookup', 'internal/ui/mounts', 'internal/ui/mounts/secret/x', 'internal/specs/openapi', 'seal-status', 'health']) {
      assert.equal(compiled.isUnauthenticated(p), true, p);
    }
    for (const p of ['wrapping/unwrap', 'wrapping/wrap', 'mounts', 'seal', 'capabilities-self']) {
      assert.equal(compiled.isUnauthenticated(p), false, p);
    }
  });
});

describe('sys/rotate, key-status, seal, step-down, openapi', () => {
  it('rotates (204) and reports the key status', async () => {
    const { run, sealed } = setup();
    assert.equal(await run({ operation: 'update', path: 'rotate' }), undefined);
    assert.equal(sealed.rotations, 1);
    const r = await run({ operation: 'read', path: 'key-status' });
    assert.deepEqual(r?.data, { term: 2, install_time: '2025-02-03T10:11:12.123456789Z', encryptions: 42 });
  });

  it('seals (204); step-down is a no-op 204', async () => {
    const { run, sealed } = setup();
    assert.equal(await run({ operation: 'update', path: 'step-down' }), undefined);
    assert.equal(sealed.sealed, false);
    assert.equal(await run({ operation: 'update', path: 'seal' }), undefined);
    assert.equal(sealed.sealed, true);
  });

  it('serves the OpenAPI document raw', async () => {
    const { run } = setup();
    const r = await run({ operation: 'read', path: 'internal/specs/openapi' });
    assert.equal(r?.raw?.status, 200);
    assert.deepEqual(r?.raw?.body, { openapi: '3.0.2', info: { title: 'Keep' }, paths: {} });
  });
});
