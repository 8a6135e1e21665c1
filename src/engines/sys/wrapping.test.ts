import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KeepError } from '../../errors.ts';
import { createSysBackend } from './backend.ts';
import { makeFakes, makeRunner } from './test-fakes.ts';

async function rejects(p: Promise<unknown>, status: number, message: string): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof KeepError, `expected KeepError, got ${String(e)}`);
    assert.equal(e.message, message);
    assert.equal(e.status, status);
    return true;
  });
}

const ENVELOPE = '{"request_id":"abc","lease_id":"","renewable":false,"lease_duration":0,"data":{"k":"v"},"wrap_info":null,"warnings":null,"auth":null,"mount_type":"kv"}';

function setup() {
  const fakes = makeFakes();
  const { run } = makeRunner(createSysBackend(fakes.services));
  fakes.wrapping.stored.set('hvs.wrap', ENVELOPE);
  return { ...fakes, run };
}

describe('sys/wrapping', () => {
  it('wrap returns the arbitrary body as data (core wraps it) without warnings', async () => {
    const { run } = setup();
    const r = await run({ operation: 'update', path: 'wrapping/wrap', data: { a: 1, nested: { b: true } }, wrapTTL: 300 });
    assert.deepEqual(r, { data: { a: 1, nested: { b: true } } });
  });

  it('wrap without a wrap TTL is refused', async () => {
    const { run } = setup();
    await rejects(run({ operation: 'update', path: 'wrapping/wrap', data: { a: 1 } }), 400, 'endpoint requires response wrapping to be used');
  });

  it('unwrap returns the stored envelope verbatim (body token or own token)', async () => {
    const { run, wrapping } = setup();
    const r = await run({ operation: 'update', path: 'wrapping/unwrap', data: { token: 'hvs.wrap' }, clientToken: 'hvs.caller' });
    assert.deepEqual(r, { raw: { status: 200, body: ENVELOPE, contentType: 'application/json' } });
    wrapping.stored.set('hvs.self', ENVELOPE);
    const s = await run({ operation: 'update', path: 'wrapping/unwrap', clientToken: 'hvs.self' });
    assert.equal(s?.raw?.body, ENVELOPE);
  });

  it('unwrap of a used or unknown token fails', async () => {
    const { run } = setup();
    await run({ operation: 'update', path: 'wrapping/unwrap', data: { token: 'hvs.wrap' } });
    await rejects(run({ operation: 'update', path: 'wrapping/unwrap', data: { token: 'hvs.wrap' } }), 400, 'wrapping token is not valid or does not exist');
    await rejects(run({ operation: 'update', path: 'wrapping/unwrap', data: {} }), 400, 'missing "token" value in input');
  });

  it('lookup does not consume', async () => {
    const { run, wrapping } = setup();
    const r = await run({ operation: 'update', path: 'wrapping/lookup', data: { token: 'hvs.wrap' } });
    assert.deepEqual(r?.data, { creation_ttl: 300, creation_time: '2025-02-03T10:11:12.5551234Z', creation_path: 'secret/data/app' });
    assert.ok(wrapping.stored.has('hvs.wrap'));
    await rejects(run({ operation: 'update', path: 'wrapping/lookup', data: {} }), 400, 'missing "token" value in input');
    await rejects(run({ operation: 'update', path: 'wrapping/lookup', data: { token: 'x' } }), 400, 'wrapping token is not valid or does not exist');
  });

  it('rewrap replies with the wrapped-reply shape', async () => {
    const { run, wrapping } = setup();
    const r = await run({ operation: 'update', path: 'wrapping/rewrap', data: { token: 'hvs.wrap' } });
    assert.equal(r?.raw?.status, 200);
    const body = r?.raw?.body as Record<string, unknown>;
    assert.equal(body.request_id, '');
    assert.equal(body.data, null);
    assert.deepEqual(body.wrap_info, {
      token: 'hvs.rewrapped',
      accessor: 'acc-new',
      ttl: 300,
      creation_time: '2025-02-03T10:11:12.5551234Z',
      creation_path: 'secret/data/app',
    });
    assert.equal(wrapping.stored.has('hvs.wrap'), false);
  });
});
