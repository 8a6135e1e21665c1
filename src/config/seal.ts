/**
 * The `seal` stanza: `shamir` (default) or `static` with a key given as `env://VAR`,
 * `file://path`, or a literal 32-byte key in hex or base64. The key text never appears in errors.
 */
import { readFile } from 'node:fs/promises';
import type { SealConfig } from './types.ts';
import { ConfigError } from './types.ts';
import type { Stanza } from './values.ts';
import { str, warnUnknown } from './values.ts';

/** Environment lookups for `env://` keys. */
export type Env = Record<string, string | undefined>;

/** True when text is 64 hex chars or standard/url base64 of exactly 32 bytes. */
export function isKey32(text: string): boolean {
  if (/^[0-9a-fA-F]{64}$/.test(text)) return true;
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(text)) return false;
  return Buffer.from(text, 'base64').length === 32;
}

async function resolveKey(raw: string, field: string, env: Env): Promise<string> {
  const where = `seal "static": ${field}`;
  let value: string;
  if (raw.startsWith('env://')) {
    const name = raw.slice('env://'.length);
    if (name === '') throw new ConfigError(`${where}: env:// needs a variable name`);
    const v = env[name];
    if (v === undefined || v.trim() === '') throw new ConfigError(`${where}: environment variable ${name} is not set`);
    value = v.trim();
  } else if (raw.startsWith('file://')) {
    const file = raw.slice('file://'.length);
    if (file === '') throw new ConfigError(`${where}: file:// needs a path`);
    try {
      value = (await readFile(file, 'utf8')).trim();
    } catch (e) {
      throw new ConfigError(`${where}: cannot read key file "${file}": ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  } else {
    value = raw.trim();
  }
  if (!isKey32(value)) throw new ConfigError(`${where}: the key must be 32 bytes, encoded as 64 hex characters or base64`);
  return value;
}

const STATIC_FIELDS = ['current_key_id', 'current_key', 'previous_key_id', 'previous_key', 'disabled'] as const;

/** The seal configuration from the `seal` stanzas (none = shamir). */
export async function sealConfig(list: Stanza[], env: Env, warnings: string[]): Promise<SealConfig> {
  if (list.length === 0) return { type: 'shamir' };
  if (list.length > 1) throw new ConfigError(`seal: only one seal stanza is supported, found ${list.length}`);
  const { label, body } = list[0];
  if (label === 'shamir') {
    warnUnknown(body, [], 'seal "shamir"', warnings);
    return { type: 'shamir' };
  }
  if (label !== 'static') throw new ConfigError(`seal "${label}": unsupported seal type (supported: shamir, static)`);
  warnUnknown(body, STATIC_FIELDS, 'seal "static"', warnings);
  if (body.current_key_id === undefined) throw new ConfigError('seal "static": current_key_id is required');
  if (body.current_key === undefined) throw new ConfigError('seal "static": current_key is required');
  const keyId = str(body.current_key_id, 'seal "static": current_key_id').trim();
  if (keyId === '') throw new ConfigError('seal "static": current_key_id must not be empty');
  const key = await resolveKey(str(body.current_key, 'seal "static": current_key'), 'current_key', env);
  const out: SealConfig = { type: 'static', keyId, key };
  if (body.previous_key !== undefined || body.previous_key_id !== undefined) {
    if (body.previous_key === undefined || body.previous_key_id === undefined) {
      throw new ConfigError('seal "static": previous_key and previous_key_id must be given together');
    }
    out.previousKeyId = str(body.previous_key_id, 'seal "static": previous_key_id').trim();
    out.previousKey = await resolveKey(str(body.previous_key, 'seal "static": previous_key'), 'previous_key', env);
  }
  return out;
}
