/** sys/policies/acl (spec/core.md 2.7) and the policy operations shared with sys/policy. */
import type { SystemServices } from '../../core/contracts.ts';
import { badRequest } from '../../errors.ts';
import { definePath } from '../../framework/path.ts';
import type { LogicalResponse, PathDef } from '../../framework/types.ts';
import { decodePolicyText } from '../../core/policy/store.ts';

/** Built-ins that can never be written or deleted. */
const IMMUTABLE = new Set(['root', 'response-wrapping', 'control-group']);

export function normalizePolicyName(name: string): string {
  return name.trim().toLowerCase();
}

/** Stored names, then `root` last (never the hidden built-ins). */
export async function policyNames(services: SystemServices): Promise<string[]> {
  const names = (await services.policies.list()).filter((n) => !IMMUTABLE.has(n));
  return [...names, 'root'];
}

/** Raw text of a policy, or undefined; `root` reads as empty rules. */
export async function readPolicy(services: SystemServices, rawName: string): Promise<{ name: string; text: string } | undefined> {
  const name = normalizePolicyName(rawName);
  const text = await services.policies.get(name);
  if (text === undefined) return name === 'root' ? { name, text: '' } : undefined;
  return { name, text };
}

/**
 * Writes a policy. `text` is the body's `policy` (or legacy `rules`); `warnings` collects the
 * notices produced on the way (name conversion, legacy field).
 */
export async function writePolicy(services: SystemServices, rawName: string, text: string, warnings: string[]): Promise<LogicalResponse | undefined> {
  const name = normalizePolicyName(rawName);
  if (name === '') throw badRequest('policy name must be provided in the URL');
  if (name !== rawName) warnings.unshift(`policy name was converted to ${name}`);
  if (text === '') throw badRequest(`'policy' parameter not supplied or empty`);
  if (IMMUTABLE.has(name)) throw badRequest(`cannot update "${name}" policy`);
  // Parses and validates; throws 400 `failed to parse policy: ...`.
  await services.policies.set(name, decodePolicyText(text));
  return warnings.length > 0 ? { warnings } : undefined;
}

export async function deletePolicy(services: SystemServices, rawName: string): Promise<undefined> {
  const name = normalizePolicyName(rawName);
  if (IMMUTABLE.has(name)) throw badRequest(`cannot delete "${name}" policy`);
  if (name === 'default') throw badRequest('cannot delete default policy');
  await services.policies.delete(name);
  return undefined;
}

export function policyPaths(services: SystemServices): PathDef[] {
  return [
    definePath({
      pattern: 'policies/acl/?',
      fields: {},
      synopsis: 'List the ACL policies.',
      operations: {
        list: {
          summary: 'List the ACL policies (root last).',
          handler: async () => ({ data: { keys: await policyNames(services) } }),
        },
      },
    }),
    definePath({
      pattern: 'policies/acl/(?<name>.+)',
      fields: {
        name: { type: 'string', description: 'Name of the policy (lower-cased).' },
        policy: { type: 'string', description: 'Policy document (HCL or JSON, optionally base64).' },
      },
      synopsis: 'Read, write or delete an ACL policy.',
      operations: {
        read: {
          summary: 'Read an ACL policy.',
          handler: async (ctx) => {
            const p = await readPolicy(services, ctx.fields.name ?? '');
            return p ? { data: { name: p.name, policy: p.text } } : undefined;
          },
        },
        update: {
          summary: 'Create or update an ACL policy.',
          handler: async (ctx) => writePolicy(services, ctx.fields.name ?? '', ctx.fields.policy ?? '', []),
        },
        delete: {
          summary: 'Delete an ACL policy.',
          handler: async (ctx) => deletePolicy(services, ctx.fields.name ?? ''),
        },
      },
    }),
  ];
}
