/** sys/internal/specs/openapi (unauthenticated): the OpenAPI document, as a raw JSON body. */
import type { SystemServices } from '../../core/contracts.ts';
import { definePath } from '../../framework/path.ts';
import type { PathDef } from '../../framework/types.ts';

export function openapiPaths(services: SystemServices): PathDef[] {
  return [
    definePath({
      pattern: 'internal/specs/openapi',
      fields: {},
      synopsis: 'OpenAPI document of every mounted path.',
      operations: {
        read: {
          summary: 'Generate the OpenAPI document.',
          handler: async () => ({ raw: { status: 200, body: await services.openapi(), contentType: 'application/json' } }),
        },
      },
    }),
  ];
}
