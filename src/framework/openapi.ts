/**
 * OpenAPI 3.0 document generated from the same PathDefs that route requests. Each pattern is
 * expanded into concrete templated paths (named groups -> `{name}`, optional parts -> both
 * variants, alternations -> each branch), like Vault's generator does.
 */
import { toJsPattern } from './router.ts';
import type { Backend, FieldSpec, Fields, Operation, PathDef } from './types.ts';

const MAX_VARIANTS = 32;

// ---------------------------------------------------------------------------------------------
// Pattern expansion

interface Cursor {
  src: string;
  i: number;
}

function dedupe(list: string[]): string[] {
  return [...new Set(list)].slice(0, MAX_VARIANTS);
}

function cross(a: string[], b: string[]): string[] {
  const out: string[] = [];
  for (const x of a) for (const y of b) out.push(x + y);
  return dedupe(out);
}

function parseAlternation(c: Cursor): string[] {
  let variants = parseSequence(c);
  while (c.src[c.i] === '|') {
    c.i++;
    variants = dedupe([...variants, ...parseSequence(c)]);
  }
  return variants;
}

function parseSequence(c: Cursor): string[] {
  let acc = [''];
  while (c.i < c.src.length && c.src[c.i] !== '|' && c.src[c.i] !== ')') {
    let atom = parseAtom(c);
    const q = readQuantifier(c);
    if (q === '?' || q === '*') atom = dedupe([...atom, '']);
    acc = cross(acc, atom);
  }
  return acc;
}

function readQuantifier(c: Cursor): string {
  const ch = c.src[c.i];
  let q = '';
  if (ch === '?' || ch === '*' || ch === '+') {
    q = ch;
    c.i++;
  } else if (ch === '{') {
    const end = c.src.indexOf('}', c.i);
    if (end > 0 && /^\{\d*(,\d*)?\}$/.test(c.src.slice(c.i, end + 1))) {
      q = c.src.slice(c.i, end + 1).startsWith('{0') ? '?' : '+';
      c.i = end + 1;
    }
  }
  if (q && c.src[c.i] === '?') c.i++; // lazy
  return q;
}

function parseAtom(c: Cursor): string[] {
  const { src } = c;
  const ch = src[c.i];
  if (ch === '(') {
    c.i++;
    let name: string | undefined;
    let lookaround = false;
    if (src.startsWith('?<', c.i) && src[c.i + 2] !== '=' && src[c.i + 2] !== '!') {
      const end = src.indexOf('>', c.i);
      name = src.slice(c.i + 2, end);
      c.i = end + 1;
    } else if (src.startsWith('?:', c.i)) {
      c.i += 2;
    } else if (/^\?(=|!|<=|<!)/.test(src.slice(c.i, c.i + 3))) {
      lookaround = true;
      c.i += src[c.i + 1] === '<' ? 3 : 2;
    }
    const inner = parseAlternation(c);
    if (src[c.i] === ')') c.i++;
    if (lookaround) return [''];
    return name !== undefined ? [`{${name}}`] : inner;
  }
  if (ch === '[') {
    c.i++;
    while (c.i < src.length && src[c.i] !== ']') c.i += src[c.i] === '\\' ? 2 : 1;
    c.i++;
    return [''];
  }
  if (ch === '\\') {
    const next = src[c.i + 1] ?? '';
    c.i += 2;
    return /[dDwWsSbB]/.test(next) ? [''] : [next];
  }
  c.i++;
  if (ch === '.' || ch === '^' || ch === '$') return [''];
  return [ch];
}

/** Concrete templated paths (relative to the mount) of a path pattern. */
export function expandPattern(pattern: string): string[] {
  let src = toJsPattern(pattern);
  if (src.startsWith('^')) src = src.slice(1);
  if (src.endsWith('$') && !src.endsWith('\\$')) src = src.slice(0, -1);
  const c: Cursor = { src, i: 0 };
  const out = parseAlternation(c);
  return dedupe(out);
}

// ---------------------------------------------------------------------------------------------
// Schemas

function fieldSchema(spec: FieldSpec): Record<string, unknown> {
  let schema: Record<string, unknown>;
  switch (spec.type) {
    case 'int':
      schema = { type: 'integer' };
      break;
    case 'bool':
      schema = { type: 'boolean' };
      break;
    case 'duration':
    case 'signed-duration':
      schema = { type: 'string', format: 'duration' };
      break;
    case 'comma-string-slice':
    case 'string-slice':
      schema = { type: 'array', items: { type: 'string' } };
      break;
    case 'comma-int-slice':
      schema = { type: 'array', items: { type: 'integer' } };
      break;
    case 'map':
      schema = { type: 'object' };
      break;
    case 'kv-pairs':
      schema = { type: 'object', additionalProperties: { type: 'string' } };
      break;
    case 'time':
      schema = { type: 'string', format: 'date-time' };
      break;
    case 'raw':
      schema = {};
      break;
    default:
      schema = { type: 'string' };
  }
  if (spec.description) schema.description = spec.description;
  if (spec.allowed) schema.enum = [...spec.allowed];
  if (spec.default !== undefined) schema.default = spec.default instanceof Date ? spec.default.toISOString() : spec.default;
  if (spec.deprecated) schema.deprecated = true;
  return schema;
}

const VERB: Partial<Record<Operation, string>> = {
  read: 'read',
  list: 'list',
  create: 'write',
  update: 'write',
  delete: 'delete',
  patch: 'patch',
};

function slug(s: string): string {
  return s.replace(/[{}]/g, '').replace(/[^A-Za-z0-9]+/g, '-').replace(/^-+|-+$/g, '') || 'root';
}

interface Ctx {
  usedIds: Set<string>;
}

function operationId(ctx: Ctx, verb: string, path: string): string {
  const base = `${verb}-${slug(path)}`;
  let id = base;
  for (let n = 2; ctx.usedIds.has(id); n++) id = `${base}-${n}`;
  ctx.usedIds.add(id);
  return id;
}

function buildOperation(
  ctx: Ctx,
  def: PathDef,
  op: Operation,
  method: string,
  templated: string,
  pathParams: Set<string>,
): Record<string, unknown> {
  const spec = def.operations[op];
  const fields: Fields = def.fields;
  const out: Record<string, unknown> = {
    operationId: operationId(ctx, VERB[op] ?? op, templated),
    summary: spec?.summary ?? def.synopsis ?? '',
    responses: { '200': { description: 'OK' } },
  };
  const description = spec?.description ?? def.description;
  if (description) out.description = description;
  const params: Record<string, unknown>[] = [];
  for (const name of pathParams) {
    const f = fields[name];
    params.push({
      name,
      in: 'path',
      required: true,
      description: f?.description ?? '',
      schema: f ? fieldSchema({ ...f, default: undefined }) : { type: 'string' },
    });
  }
  if (method === 'get' || method === 'delete') {
    for (const [name, f] of Object.entries(fields)) {
      if (pathParams.has(name) || !f.query) continue;
      params.push({ name, in: 'query', description: f.description ?? '', schema: fieldSchema(f) });
    }
    if (op === 'list') {
      params.push({ name: 'list', in: 'query', required: true, description: 'Must be set to `true`', schema: { type: 'string', enum: ['true'] } });
    }
  } else {
    const props: Record<string, unknown> = {};
    const required: string[] = [];
    for (const [name, f] of Object.entries(fields)) {
      if (pathParams.has(name)) continue;
      props[name] = fieldSchema(f);
      if (f.required) required.push(name);
    }
    if (Object.keys(props).length > 0) {
      const schema: Record<string, unknown> = { type: 'object', properties: props };
      if (required.length > 0) schema.required = required;
      out.requestBody = { required: required.length > 0, content: { 'application/json': { schema } } };
    }
  }
  if (params.length > 0) out.parameters = params;
  return out;
}

function addPath(
  ctx: Ctx,
  paths: Record<string, Record<string, unknown>>,
  mount: string,
  def: PathDef,
): void {
  const ops = def.operations;
  const hasRead = ops.read !== undefined;
  for (const variant of expandPattern(def.pattern)) {
    const templated = `/${mount}${variant}`;
    const pathParams = new Set<string>();
    for (const m of variant.matchAll(/\{([^}]+)\}/g)) pathParams.add(m[1]);
    const entry: Record<string, unknown> = paths[templated] ?? {};
    const put = (p: string, method: string, op: Operation): void => {
      const target: Record<string, unknown> = p === templated ? entry : (paths[p] ?? {});
      if (target[method] === undefined) target[method] = buildOperation(ctx, def, op, method, p, pathParams);
      if (p !== templated) paths[p] = target;
    };
    if (hasRead) put(templated, 'get', 'read');
    if (ops.list) put(hasRead && !templated.endsWith('/') ? `${templated}/` : templated, 'get', 'list');
    if (ops.update || ops.create) put(templated, 'post', ops.update ? 'update' : 'create');
    if (ops.patch) put(templated, 'patch', 'patch');
    if (ops.delete) put(templated, 'delete', 'delete');
    if (Object.keys(entry).length > 0) {
      if (def.synopsis && entry.description === undefined) entry.description = def.synopsis;
      paths[templated] = entry;
    }
  }
}

/** The OpenAPI 3.0 document of these mounts (mount paths end in '/', e.g. `secret/`). */
export function buildOpenApi(
  mounts: Array<{ path: string; backend: Backend }>,
  info: { title?: string; version?: string; description?: string } = {},
): Record<string, unknown> {
  const ctx: Ctx = { usedIds: new Set() };
  const paths: Record<string, Record<string, unknown>> = {};
  for (const m of mounts) {
    const mount = m.path === '' || m.path.endsWith('/') ? m.path : `${m.path}/`;
    for (const def of m.backend.paths) addPath(ctx, paths, mount, def);
  }
  const sorted: Record<string, unknown> = {};
  for (const k of Object.keys(paths).sort()) sorted[k] = paths[k];
  return {
    openapi: '3.0.2',
    info: {
      title: info.title ?? 'HashiCorp Vault API',
      description: info.description ?? 'HTTP API that gives you full access to Vault. All API routes are prefixed with `/v1/`.',
      version: info.version ?? '',
      license: { name: 'Mozilla Public License 2.0', url: 'https://www.mozilla.org/en-US/MPL/2.0' },
    },
    paths: sorted,
    components: { schemas: {} },
  };
}
