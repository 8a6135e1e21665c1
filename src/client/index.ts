/**
 * Keep's client SDK: a typed HTTP client for the Vault-compatible API.
 *
 * @packageDocumentation
 */
export { KeepClient } from './client.ts';
export type { ApiResponse, KeepClientOptions, RequestOptions } from './client.ts';
export { KeepApiError, KeepConnectionError, isKeepApiError } from './errors.ts';
export type { ApiErrorInit } from './errors.ts';
export { secretOrNull } from './envelope.ts';
export { KvApi, KvUnsupportedError, addKvPrefix, joinPath } from './kv.ts';
export type { KvGetOptions, KvListResult, KvMount, KvPatchOptions, KvPathOptions, KvPutOptions, KvResult } from './kv.ts';
export { SysApi } from './sys.ts';
export { TokenApi } from './token.ts';
export { LosslessNumber, isLosslessNumber, parseJson, toJson } from './json.ts';
export { backoffDelay, isIdempotent, isRetryableStatus } from './retry.ts';
export type * from './types.ts';
