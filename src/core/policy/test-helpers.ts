/**
 * Helpers for this folder's tests (not used by production code).
 */
import type { ACLInput, ACLResult } from '../contracts.ts';
import type { Operation, StorageView, ViewTxOp } from '../../framework/types.ts';
import { PolicyACL } from './acl.ts';
import { DEFAULT_POLICY } from './builtin.ts';
import { parsePolicy } from './parse.ts';

/** One `path` block: `rule('a/*', ['read'])`, with optional extra HCL lines. */
export function rule(path: string, caps: string[], extra = ''): string {
  return `path "${path}" {\n  capabilities = ${JSON.stringify(caps)}\n${extra}}\n`;
}

/** An ACL of policies p1, p2, ... given as HCL texts (templated paths are left out). */
export function aclOf(...texts: string[]): PolicyACL {
  return new PolicyACL(texts.map((t, i) => ({ name: `p${i + 1}`, rules: parsePolicy(t).rules.filter((r) => !r.templated) })));
}

export function check(
  acl: PolicyACL,
  operation: Operation,
  path: string,
  data: Record<string, unknown> = {},
  wrapTTL = 0,
): ACLResult {
  const input: ACLInput = { operation, path, data, wrapTTL };
  return acl.allowOperation(input);
}

/** A minimal in-memory StorageView for store tests. */
export function memoryView(): StorageView & { data: Map<string, Uint8Array> } {
  const data = new Map<string, Uint8Array>();
  const enc = new TextEncoder();
  const dec = new TextDecoder();
  const view = {
    data,
    async get(key: string) {
      return data.get(key);
    },
    async put(key: string, value: Uint8Array) {
      data.set(key, value);
    },
    async delete(key: string) {
      data.delete(key);
    },
    async list(prefix: string) {
      const out = new Set<string>();
      for (const k of data.keys()) {
        if (!k.startsWith(prefix)) continue;
        const rest = k.slice(prefix.length);
        const i = rest.indexOf('/');
        out.add(i < 0 ? rest : rest.slice(0, i + 1));
      }
      return [...out].sort();
    },
    async scan(prefix: string) {
      return [...data.entries()]
        .filter(([k]) => k.startsWith(prefix))
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([key, value]) => ({ key, value }));
    },
    async transaction(ops: ViewTxOp[]) {
      for (const op of ops) {
        if (op.op === 'delete') data.delete(op.key);
        else data.set(op.key, op.value instanceof Uint8Array ? op.value : enc.encode(JSON.stringify(op.value.json)));
      }
    },
    async getJSON<T>(key: string): Promise<T | undefined> {
      const v = data.get(key);
      return v === undefined ? undefined : (JSON.parse(dec.decode(v)) as T);
    },
    async putJSON(key: string, value: unknown) {
      data.set(key, enc.encode(JSON.stringify(value)));
    },
    sub(): StorageView {
      throw new Error('not needed');
    },
  };
  return view;
}

// Fuzzing: seed policies, a seeded PRNG and a text mutator.

export const SEEDS = [
  DEFAULT_POLICY,
  `path "secret/data/{{identity.entity.aliases.auth_jwt_1.metadata.repository}}/*" {
  capabilities = ["read", "list"]
  allowed_parameters = { "foo" = [] "bar" = ["zip", "zap"] "*" = [] }
  denied_parameters { "baz" = [1, 2.5, true] }
  required_parameters = ["Foo"]
  min_wrapping_ttl = "1s"
  max_wrapping_ttl = "1h"
}
path "a/+/c*" { policy = "write" }
path "x" { capabilities = ["deny"] } # trailing
`,
  '{ "path": { "secret/*": { "capabilities": ["read", "list"], "allowed_parameters": { "x": ["a*", 3] } }, "sys/+": { "policy": "sudo" } } }',
  `{
  "name": "ci",
  "path": {
    "auth/token/create": {
      "capabilities": ["update"],
      "allowed_parameters": { "policies": ["dev", "ops"], "ttl": [], "n": [1, -2.5, 1e3] },
      "denied_parameters": { "no_parent": [] },
      "required_parameters": ["policies"],
      "min_wrapping_ttl": 60, "max_wrapping_ttl": "1h"
    },
    "secret/data/+/app*": { "capabilities": ["read"], "comment": "x" }
  }
}`,
  `path "auth/token/create" {
  capabilities = ["update", "sudo"]
  allowed_parameters {
    "policies" = ["dev", "ops"]
    "ttl"      = []
  }
  denied_parameters = {
    "no_parent" = [],
    "meta" = [{ a = 1 }, [1, 2]],
  }
  min_wrapping_ttl = 60
}`,
];

const ALPHABET = ['{', '}', '[', ']', '"', '=', ',', '*', '+', '/', '\n', ' ', '#', '<<', 'EOF', '{{', '}}', '-', '0', '9', 'a', 'path', ':', '\\', '\u0000', 'é', '3000000000', 'true', 'null', '.', 'e', '\t', '\r', "'", '//', '/*', '*/', '\\u00', '${', '1.5'];

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function mutate(text: string, rnd: () => number): string {
  let s = text;
  const edits = 1 + Math.floor(rnd() * 4);
  for (let i = 0; i < edits; i++) {
    const pos = Math.floor(rnd() * (s.length + 1));
    const kind = rnd();
    if (kind < 0.35) s = s.slice(0, pos) + s.slice(pos + 1 + Math.floor(rnd() * 8));
    else if (kind < 0.7) s = s.slice(0, pos) + ALPHABET[Math.floor(rnd() * ALPHABET.length)] + s.slice(pos);
    else if (kind < 0.9) s = s.slice(0, pos) + ALPHABET[Math.floor(rnd() * ALPHABET.length)] + s.slice(pos + 1);
    else {
      const from = Math.floor(rnd() * s.length);
      s = s.slice(0, pos) + s.slice(from, from + 20) + s.slice(pos);
    }
  }
  return s;
}

