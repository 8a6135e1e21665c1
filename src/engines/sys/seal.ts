/** sys/seal and sys/step-down (spec/core.md 2.2): root-protected, 204. */
import type { SystemServices } from '../../core/contracts.ts';
import { definePath } from '../../framework/path.ts';
import type { PathDef } from '../../framework/types.ts';

export function sealPaths(services: SystemServices): PathDef[] {
  return [
    definePath({
      pattern: 'seal',
      fields: {},
      synopsis: 'Seal the server.',
      operations: {
        update: {
          summary: 'Seal now: keys are wiped from memory and every request gets 503.',
          handler: async () => {
            await services.seal();
            return undefined;
          },
        },
      },
    }),
    definePath({
      pattern: 'step-down',
      fields: {},
      synopsis: 'Give up active duty (single node: no-op).',
      operations: {
        update: { summary: 'No-op on a single node.', handler: async () => undefined },
      },
    }),
  ];
}
