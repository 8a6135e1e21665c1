/**
 * KV v2's raw replies (spec/core.md 8, trap 1): a 404 whose body is a full response envelope
 * (deleted/destroyed versions, invalid paths), and a 404 with an empty body (PATCH of a missing
 * key). Raw bodies carry `mount_type: ""`.
 */
import type { LogicalResponse, RequestContext } from '../../../framework/types.ts';

export function rawEnvelope404(
  ctx: Pick<RequestContext, 'requestId'>,
  data: Record<string, unknown> | null,
  warnings: string[] | null = null,
): LogicalResponse {
  return {
    raw: {
      status: 404,
      contentType: 'application/json',
      body: {
        request_id: ctx.requestId,
        lease_id: '',
        renewable: false,
        lease_duration: 0,
        data,
        wrap_info: null,
        warnings,
        auth: null,
        mount_type: '',
      },
    },
  };
}

export function emptyNotFound(): LogicalResponse {
  return { raw: { status: 404, contentType: 'application/json', body: '' } };
}
