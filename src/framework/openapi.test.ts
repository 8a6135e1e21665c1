import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildOpenApi, expandPattern } from './openapi.ts';
import { definePath } from './path.ts';
import type { Backend } from './types.ts';

const noop = async () => undefined;

test('expandPattern: named groups, optional parts, alternations', () => {
  assert.deepEqual(expandPattern('data/(?<path>.+)'), ['data/{path}']);
  assert.deepEqual(expandPattern('^config$'), ['config']);
  assert.deepEqual(expandPattern('role/?$'), ['role/', 'role']);
  assert.deepEqual(expandPattern('create(/(?P<role_name>\\w(([\\w-.]+)?\\w)?))?'), ['create/{role_name}', 'create']);
  assert.deepEqual(expandPattern('(lookup|revoke)-self'), ['lookup-self', 'revoke-self']);
  assert.deepEqual(expandPattern('metadata/?(?<path>.*)'), ['metadata/{path}', 'metadata{path}']);
});

test('buildOpenApi maps operations, parameters and bodies', () => {
  const backend: Backend = {
    type: 'kv',
    paths: [
      definePath({
        pattern: 'data/(?<path>.+)',
        synopsis: 'Versioned data',
        fields: {
          path: { type: 'string', description: 'Location' },
          version: { type: 'int', query: true, description: 'Version' },
          data: { type: 'map', required: true },
          options: { type: 'map' },
          mode: { type: 'string', allowed: ['a', 'b'], default: 'a' },
        },
        operations: {
          read: { handler: noop, summary: 'Read data' },
          update: { handler: noop, summary: 'Write data' },
          patch: { handler: noop },
          delete: { handler: noop },
        },
      }),
      definePath({
        pattern: 'metadata/(?<path>.*)',
        fields: { path: { type: 'string' } },
        operations: { read: { handler: noop }, list: { handler: noop } },
      }),
      definePath({ pattern: 'config', fields: { ttl: { type: 'duration' } }, operations: { list: { handler: noop } } }),
    ],
  };
  const doc = buildOpenApi([{ path: 'secret/', backend }]);
  assert.equal(doc.openapi, '3.0.2');
  const paths = doc.paths as Record<string, Record<string, Record<string, unknown>>>;
  assert.deepEqual(Object.keys(paths), ['/secret/config', '/secret/data/{path}', '/secret/metadata/{path}', '/secret/metadata/{path}/']);
  const data = paths['/secret/data/{path}'];
  assert.deepEqual(Object.keys(data).filter((k) => k !== 'description').sort(), ['delete', 'get', 'patch', 'post']);
  assert.equal(data.get.summary, 'Read data');
  const getParams = data.get.parameters as Array<Record<string, unknown>>;
  assert.deepEqual(getParams.map((p) => `${p.in}:${p.name}`), ['path:path', 'query:version']);
  const body = (data.post.requestBody as { content: Record<string, { schema: Record<string, unknown> }> }).content['application/json'].schema;
  assert.deepEqual(Object.keys(body.properties as object), ['version', 'data', 'options', 'mode']);
  assert.deepEqual(body.required, ['data']);
  assert.deepEqual((body.properties as Record<string, unknown>).mode, { type: 'string', enum: ['a', 'b'], default: 'a' });
  const list = paths['/secret/metadata/{path}/'].get.parameters as Array<Record<string, unknown>>;
  assert.ok(list.some((p) => p.name === 'list' && p.in === 'query' && p.required === true));
  assert.ok(paths['/secret/config'].get, 'list-only path lists on itself');
  const ids = Object.values(paths).flatMap((p) => Object.values(p).filter((o) => typeof o === 'object').map((o) => (o as { operationId: string }).operationId));
  assert.equal(new Set(ids).size, ids.length, 'operation ids are unique');
});
