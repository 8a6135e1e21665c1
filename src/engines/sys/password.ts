/** sys/policies/password (spec/dynamic.md 2.14): password policies and their generate endpoint. */
import { KeepError } from '../../errors.ts';
import { definePath } from '../../framework/path.ts';
import type { PathDef } from '../../framework/types.ts';
import type { PasswordPolicyStore } from '../../core/password/store.ts';

const notFound = () => new KeepError('KEEP_E_NOT_FOUND', 404, 'policy does not exist');

export function passwordPolicyPaths(store: PasswordPolicyStore): PathDef[] {
  return [
    definePath({
      pattern: 'policies/password/?',
      fields: {},
      synopsis: 'List the password policies.',
      operations: {
        list: {
          summary: 'List the password policies.',
          handler: async () => ({ data: { keys: await store.list() } }),
        },
      },
    }),
    definePath({
      pattern: 'policies/password/(?<name>.+)/generate',
      fields: {
        name: { type: 'string', description: 'Name of the password policy.' },
      },
      synopsis: 'Generate a password from a password policy.',
      operations: {
        read: {
          summary: 'Generate a password from an existing password policy.',
          handler: async (ctx) => {
            const name = ctx.fields.name ?? '';
            if ((await store.get(name)) === undefined) throw notFound();
            return { data: { password: await store.generate(name) } };
          },
        },
      },
    }),
    definePath({
      pattern: 'policies/password/(?<name>.+)',
      fields: {
        name: { type: 'string', description: 'Name of the password policy.' },
        policy: { type: 'string', description: 'The password policy (HCL, optionally base64).' },
      },
      synopsis: 'Read, write or delete a password policy.',
      operations: {
        read: {
          summary: 'Read a password policy.',
          handler: async (ctx) => {
            const text = await store.get(ctx.fields.name ?? '');
            if (text === undefined) throw notFound();
            return { data: { policy: text } };
          },
        },
        update: {
          summary: 'Create or update a password policy.',
          handler: async (ctx) => {
            await store.set(ctx.fields.name ?? '', ctx.fields.policy ?? '');
            return undefined;
          },
        },
        delete: {
          summary: 'Delete a password policy.',
          handler: async (ctx) => {
            await store.delete(ctx.fields.name ?? '');
            return undefined;
          },
        },
      },
    }),
  ];
}
