/**
 * JSON documents of the JWT mount, stored with number fidelity (bound claim values keep their
 * literal text: `3.0` stays `3.0`), plus the storage keys.
 */
import { parseJson, stringifyJson } from '../../framework/json.ts';
import type { StorageView } from '../../framework/types.ts';

export const CONFIG_KEY = 'config';
export const ROLE_PREFIX = 'role/';
export const REPLAY_PREFIX = 'replay/';

export async function getDoc<T>(view: StorageView, key: string): Promise<T | undefined> {
  const bytes = await view.get(key);
  if (bytes === undefined) return undefined;
  return parseJson(Buffer.from(bytes).toString('utf8')) as T;
}

export async function putDoc(view: StorageView, key: string, value: unknown): Promise<void> {
  await view.put(key, Buffer.from(stringifyJson(value), 'utf8'));
}
