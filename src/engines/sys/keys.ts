/** sys/rotate and sys/key-status (spec/core.md 2.11). */
import type { SystemServices } from '../../core/contracts.ts';
import { definePath } from '../../framework/path.ts';
import type { PathDef } from '../../framework/types.ts';

export function keyPaths(services: SystemServices): PathDef[] {
  return [
    definePath({
      pattern: 'rotate',
      fields: {},
      synopsis: 'Rotate the barrier encryption key.',
      operations: {
        update: {
          summary: 'Add a new barrier key term; new writes use it.',
          handler: async () => {
            await services.rotateKey();
            return undefined;
          },
        },
      },
    }),
    definePath({
      pattern: 'key-status',
      fields: {},
      synopsis: 'The active barrier key term.',
      operations: {
        read: {
          summary: 'Report the active key term, its install time and its estimated use count.',
          handler: async () => {
            const s = services.keyStatus();
            return { data: { term: s.term, install_time: s.install_time, encryptions: s.encryptions } };
          },
        },
      },
    }),
  ];
}
