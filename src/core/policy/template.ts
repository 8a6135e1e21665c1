/**
 * Templated policy paths (spec/core.md 3.8, spec/auth.md 4.5).
 *
 * A path may hold `{{ <parameter> }}` pieces (spaces inside the braces allowed). At write time only
 * the balance of the braces is checked. At request time each parameter is looked up in the
 * token's identity; a path with any parameter that cannot be resolved, or whose value contains
 * `*` or `+`, is dropped (the caller receives undefined). Values containing `/` are inserted as-is.
 *
 * Keep extension: `{{token.metadata.<key>}}` resolves from the token's own metadata.
 */
import type { IdentityContext } from '../contracts.ts';

export const UNBALANCED = 'unbalanced templating characters';

/** Splits a template into literal text and parameter names; throws Error(UNBALANCED). */
function split(input: string): { literals: string[]; params: string[] } {
  const parts = input.split('{{');
  if (parts[0].includes('}}')) throw new Error(UNBALANCED);
  const literals = [parts[0]];
  const params: string[] = [];
  for (let i = 1; i < parts.length; i++) {
    const inner = parts[i].split('}}');
    if (inner.length !== 2) throw new Error(UNBALANCED);
    params.push(inner[0].trim());
    literals.push(inner[1]);
  }
  return { literals, params };
}

type Split = { literals: string[]; params: string[] };
const SPLIT_MEMO_LIMIT = 1024;
const splitMemoMap = new Map<string, Split | null>();

/** split() memoised (templated rule paths are resolved on every request); null when malformed. */
function splitMemo(input: string): Split | null {
  let parsed = splitMemoMap.get(input);
  if (parsed !== undefined) return parsed;
  try {
    parsed = split(input);
  } catch {
    parsed = null;
  }
  if (splitMemoMap.size >= SPLIT_MEMO_LIMIT) splitMemoMap.clear();
  splitMemoMap.set(input, parsed);
  return parsed;
}

/** True when the string holds template parameters; throws Error(UNBALANCED) when malformed. */
export function validateTemplate(input: string): boolean {
  return split(input).params.length > 0;
}

function own(map: Record<string, string> | undefined, key: string): string | undefined {
  if (!map || !Object.prototype.hasOwnProperty.call(map, key)) return undefined;
  const v = map[key];
  return typeof v === 'string' ? v : undefined;
}

/** Non-empty value or undefined (empty ids and names are unresolvable). */
function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v === '' ? undefined : v;
}

function afterPrefix(s: string, prefix: string): string | undefined {
  return s.startsWith(prefix) ? s.slice(prefix.length) : undefined;
}

/** Splits `head.rest` at the first dot; undefined when there is no dot. */
function splitFirst(s: string): [string, string] | undefined {
  const i = s.indexOf('.');
  return i < 0 ? undefined : [s.slice(0, i), s.slice(i + 1)];
}

function lookupEntity(sel: string, ctx: IdentityContext): string | undefined {
  const entity = ctx.entity;
  if (!entity) return undefined;
  if (sel === 'id') return nonEmpty(entity.id);
  if (sel === 'name') return nonEmpty(entity.name);
  const metaKey = afterPrefix(sel, 'metadata.');
  if (metaKey !== undefined) return own(entity.metadata, metaKey);
  const aliasSel = afterPrefix(sel, 'aliases.');
  if (aliasSel !== undefined) {
    const parts = splitFirst(aliasSel);
    if (!parts) return undefined;
    const [accessor, field] = parts;
    const alias = entity.aliases.find((a) => a.mountAccessor === accessor);
    if (!alias) return undefined;
    if (field === 'id') return nonEmpty(alias.id);
    if (field === 'name') return nonEmpty(alias.name);
    const k = afterPrefix(field, 'metadata.');
    if (k !== undefined) return own(alias.metadata, k);
    // custom_metadata is not supported yet: unresolvable.
    return undefined;
  }
  // groups.names / groups.ids are list-valued: not valid in ACL paths.
  return undefined;
}

function lookupGroup(sel: string, ctx: IdentityContext): string | undefined {
  if (ctx.groups.length === 0) return undefined;
  const bySel = splitFirst(sel);
  if (!bySel) return undefined;
  const [kind, rest] = bySel;
  if (kind !== 'ids' && kind !== 'names') return undefined;
  const parts = splitFirst(rest);
  if (!parts) return undefined;
  const [key, field] = parts;
  const group = ctx.groups.find((g) => (kind === 'ids' ? g.id : g.name) === key);
  if (!group) return undefined;
  if (field === 'id') return nonEmpty(group.id);
  if (field === 'name') return nonEmpty(group.name);
  const k = afterPrefix(field, 'metadata.');
  if (k !== undefined) return own(group.metadata, k);
  return undefined;
}

/** The value of one template parameter, or undefined when it cannot be resolved. */
export function lookupParameter(param: string, ctx: IdentityContext): string | undefined {
  let sel = afterPrefix(param, 'identity.entity.');
  if (sel !== undefined) return lookupEntity(sel, ctx);
  sel = afterPrefix(param, 'identity.groups.');
  if (sel !== undefined) return lookupGroup(sel, ctx);
  sel = afterPrefix(param, 'token.metadata.');
  if (sel !== undefined) return own(ctx.tokenMetadata, sel);
  return undefined;
}

/**
 * Substitutes every parameter of a templated path. Returns undefined when the path must be
 * dropped: malformed, no identity, an unresolvable parameter, or a value containing `*` or `+`.
 */
export function resolveTemplate(input: string, ctx: IdentityContext | undefined): string | undefined {
  const parsed = splitMemo(input);
  if (parsed === null) return undefined;
  if (parsed.params.length === 0) return input;
  if (!ctx) return undefined;
  let out = parsed.literals[0];
  for (let i = 0; i < parsed.params.length; i++) {
    const value = lookupParameter(parsed.params[i], ctx);
    if (value === undefined || value.includes('*') || value.includes('+')) return undefined;
    out += value + parsed.literals[i + 1];
  }
  return out;
}
