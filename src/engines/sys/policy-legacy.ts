/** Legacy sys/policy endpoints (spec/core.md 2.7): `keys` + `policies`, and `rules` for the text. */
import type { SystemServices } from '../../core/contracts.ts';
import { definePath } from '../../framework/path.ts';
import type { PathDef } from '../../framework/types.ts';
import { deletePolicy, policyNames, readPolicy, writePolicy } from './policy.ts';

export function legacyPolicyPaths(services: SystemServices): PathDef[] {
  const listAll = async () => {
    const keys = await policyNames(services);
    return { data: { keys, policies: [...keys] } };
  };
  return [
    definePath({
      pattern: 'policy/?',
      fields: {},
      synopsis: 'List the ACL policies (legacy).',
      operations: {
        read: { summary: 'List the ACL policies.', handler: listAll },
        list: { summary: 'List the ACL policies.', handler: listAll },
      },
    }),
    definePath({
      pattern: 'policy/(?<name>.+)',
      fields: {
        name: { type: 'string', description: 'Name of the policy (lower-cased).' },
        policy: { type: 'string', description: 'Policy document (HCL or JSON, optionally base64).' },
        rules: { type: 'string', description: 'Deprecated name of `policy`.', deprecated: true },
      },
      synopsis: 'Read, write or delete an ACL policy (legacy).',
      operations: {
        read: {
          summary: 'Read an ACL policy; the text is under `rules`.',
          handler: async (ctx) => {
            const p = await readPolicy(services, ctx.fields.name ?? '');
            return p ? { data: { name: p.name, rules: p.text } } : undefined;
          },
        },
        update: {
          summary: 'Create or update an ACL policy.',
          handler: async (ctx) => {
            const warnings: string[] = [];
            let text = ctx.fields.policy ?? '';
            if (text === '') {
              text = ctx.fields.rules ?? '';
              warnings.push(`'rules' is deprecated, please use 'policy' instead`);
            }
            return writePolicy(services, ctx.fields.name ?? '', text, warnings);
          },
        },
        delete: {
          summary: 'Delete an ACL policy.',
          handler: async (ctx) => deletePolicy(services, ctx.fields.name ?? ''),
        },
      },
    }),
  ];
}
