import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isKeepError } from '../errors.ts';
import { prepare, type BaseContext } from './dispatch.ts';
import { definePath } from './path.ts';
import { compileBackend } from './router.ts';
import type { Backend, LogicalResponse, RequestContext, StorageView } from './types.ts';

const calls: Array<{ op: string; fields: Record<string, unknown>; supplied: string[] }> = [];

function record(ctx: RequestContext): void {
  calls.push({ op: ctx.operation, fields: ctx.fields as Record<string, unknown>, supplied: [...ctx.supplied].sort() });
}

const backend: Backend = {
  type: 'test',
  paths: [
    definePath({
      pattern: 'data/(?<path>.+)',
      fields: { path: { type: 'string' }, n: { type: 'int' }, name: { type: 'string' } },
      existenceCheck: async (ctx) => ctx.fields.path === 'exists',
      operations: {
        read: { handler: async (ctx) => (record(ctx), { data: { path: ctx.fields.path } }) },
        create: { handler: async (ctx) => (record(ctx), { data: { created: true } }) },
        update: { handler: async (ctx) => (record(ctx), { data: { updated: true } }) },
        delete: { handler: async (ctx) => (record(ctx), undefined) },
      },
    }),
    definePath({
      pattern: 'only-update',
      fields: { must: { type: 'string', required: true }, kind: { type: 'string', allowed: ['a', 'b'] } },
      operations: { update: { handler: async (ctx) => (record(ctx), { data: { ok: 1 } }) } },
    }),
    definePath({
      pattern: 'only-create',
      fields: {},
      operations: { create: { handler: async (ctx) => (record(ctx), { data: { ok: 2 } }) } },
    }),
    definePath({
      pattern: 'arbitrary',
      fields: {},
      takesArbitraryInput: true,
      operations: { update: { handler: async () => ({ data: { ok: 3 } }) } },
    }),
    definePath({
      pattern: 'raw',
      fields: {},
      operations: { read: { handler: async (): Promise<LogicalResponse> => ({ raw: { status: 404, body: { x: 1 } } }) } },
    }),
    definePath({
      pattern: '(?P<role>[a-z]+)/login',
      fields: { role: { type: 'string' } },
      operations: { update: { handler: async (ctx) => (record(ctx), { data: { role: ctx.fields.role } }) } },
    }),
    definePath({
      pattern: 'opt(/(?<name>\\w+))?',
      fields: { name: { type: 'string', default: 'dflt' } },
      operations: { read: { handler: async (ctx) => ({ data: { name: ctx.fields.name, supplied: ctx.supplied.has('name') } }) } },
    }),
  ],
  special: { unauthenticated: ['login', 'public/*'], root: ['sudo/*', 'exact'] },
};

const cb = compileBackend(backend);

function base(path: string, raw: Record<string, unknown> = {}, operation: BaseContext['operation'] = 'read'): BaseContext {
  return {
    requestId: 'rid',
    operation,
    path,
    fullPath: `m/${path}`,
    raw,
    storage: {} as StorageView,
    mount: {} as BaseContext['mount'],
    clientToken: '',
    remoteAddress: '127.0.0.1',
    wrapTTL: 0,
    headers: {},
  };
}

function keepError(status: number, message: RegExp) {
  return (e: unknown) => {
    assert.ok(isKeepError(e));
    assert.equal(e.status, status);
    assert.match(e.message, message);
    return true;
  };
}

test('router: first match in declaration order, named groups (incl. Go (?P<>)) as captures', () => {
  assert.deepEqual(cb.route('data/a/b')?.captures, { path: 'a/b' });
  assert.deepEqual(cb.route('admin/login')?.captures, { role: 'admin' });
  assert.deepEqual(cb.route('opt')?.captures, {});
  assert.deepEqual(cb.route('opt/x')?.captures, { name: 'x' });
  assert.equal(cb.route('data/'), undefined);
  assert.equal(cb.route('xonly-update'), undefined, 'patterns are anchored');
  assert.equal(cb.route('only-updatex'), undefined, 'patterns are anchored');
});

test('router: special paths (trailing * = prefix, else exact)', () => {
  assert.equal(cb.isUnauthenticated('login'), true);
  assert.equal(cb.isUnauthenticated('login/x'), false);
  assert.equal(cb.isUnauthenticated('public/a/b'), true);
  assert.equal(cb.isUnauthenticated('public'), false);
  assert.equal(cb.isRootProtected('sudo/x'), true);
  assert.equal(cb.isRootProtected('exact'), true);
  assert.equal(cb.isRootProtected('exactly'), false);
  assert.equal(compileBackend({ type: 'x', paths: [] }).isRootProtected('a'), false);
});

test('prepare: no matching path -> 404 unsupported path', () => {
  assert.throws(() => prepare(cb, base('nope')), keepError(404, /unsupported path/));
});

test('execute: undeclared operation -> 405 unsupported operation', async () => {
  await assert.rejects(prepare(cb, base('raw')).execute('delete'), keepError(405, /unsupported operation/));
  await assert.rejects(prepare(cb, base('only-update')).execute('read'), keepError(405, /unsupported operation/));
});

test('URL captures win over body values', async () => {
  calls.length = 0;
  const resp = await prepare(cb, base('admin/login', { role: 'evil' }, 'update')).execute('update');
  assert.deepEqual(resp?.data, { role: 'admin' });
});

test('unrecognized body keys produce the sorted warning on non-empty responses', async () => {
  const resp = await prepare(cb, base('data/x', { zz: 1, aa: 2, n: '5' })).execute('read');
  assert.deepEqual(resp?.warnings, ['Endpoint ignored these unrecognized parameters: [aa zz]']);
  const none = await prepare(cb, base('data/x', { zz: 1 })).execute('delete');
  assert.equal(none, undefined);
  const arbitrary = await prepare(cb, base('arbitrary', { anything: 1 }, 'update')).execute('update');
  assert.equal(arbitrary?.warnings, undefined);
  const raw = await prepare(cb, base('raw', { junk: 1 })).execute('read');
  assert.equal(raw?.warnings, undefined);
  const clean = await prepare(cb, base('data/x', { n: 1 })).execute('read');
  assert.equal(clean?.warnings, undefined);
});

test('fields are coerced and supplied tracked; coercion errors are 400', async () => {
  calls.length = 0;
  await prepare(cb, base('data/x', { n: '0x10' })).execute('read');
  assert.deepEqual(calls[0], { op: 'read', fields: { path: 'x', n: 16, name: undefined }, supplied: ['n', 'path'] });
  await assert.rejects(prepare(cb, base('data/x', { n: 'abc' })).execute('read'), keepError(400, /^Field validation failed/));
  const opt = await prepare(cb, base('opt')).execute('read');
  assert.deepEqual(opt?.data, { name: 'dflt', supplied: false });
});

test('existence check sees coerced fields; absent check means update', async () => {
  const p = prepare(cb, base('data/exists', {}, 'update'));
  assert.equal(p.hasExistenceCheck, true);
  assert.equal(await p.exists(), true);
  assert.equal(await prepare(cb, base('data/new', {}, 'update')).exists(), false);
  const q = prepare(cb, base('only-update', {}, 'update'));
  assert.equal(q.hasExistenceCheck, false);
  assert.equal(await q.exists(), true);
});

test('create falls back to update and update to create', async () => {
  calls.length = 0;
  const p = prepare(cb, base('only-update', { must: 'x' }, 'update'));
  assert.equal(p.supports('create'), true);
  assert.deepEqual((await p.execute('create'))?.data, { ok: 1 });
  assert.equal(calls[0].op, 'create');
  const q = prepare(cb, base('only-create', {}, 'update'));
  assert.equal(q.supports('update'), true);
  assert.deepEqual((await q.execute('update'))?.data, { ok: 2 });
  assert.equal(q.supports('delete'), false);
  const both = prepare(cb, base('data/new', {}, 'update'));
  assert.deepEqual((await both.execute('create'))?.data, { created: true });
  assert.deepEqual((await both.execute('update'))?.data, { updated: true });
});

test('required and allowed are enforced on writes', async () => {
  await assert.rejects(prepare(cb, base('only-update', {}, 'update')).execute('update'), keepError(400, /missing required field "must"/));
  await assert.rejects(
    prepare(cb, base('only-update', { must: 'x', kind: 'c' }, 'update')).execute('update'),
    keepError(400, /invalid value "c" for field "kind": must be one of \[a, b\]/),
  );
});
