/**
 * Token strings, accessors and display names (spec/auth.md 1.2, 1.4). Random values come from the
 * CSPRNG with rejection sampling, so every base62 character is uniformly distributed.
 */
import { randomBytes } from 'node:crypto';
import { badRequest } from '../../errors.ts';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
/** Largest multiple of 62 below 256: bytes at or above it are discarded to avoid modulo bias. */
const LIMIT = 62 * 4;

export const SERVICE_PREFIX = 'hvs.';
export const BATCH_PREFIX = 'hvb.';

/** Body length of root tokens (Vault's fixed 24) and of every other service token. */
export const ROOT_BODY_LENGTH = 24;
export const SERVICE_BODY_LENGTH = 40;
export const ACCESSOR_LENGTH = 24;

export function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    const bytes = randomBytes(length * 2);
    for (const b of bytes) {
      if (b >= LIMIT) continue;
      out += ALPHABET[b % 62];
      if (out.length === length) break;
    }
  }
  return out;
}

export function newServiceToken(root: boolean): string {
  return SERVICE_PREFIX + randomBase62(root ? ROOT_BODY_LENGTH : SERVICE_BODY_LENGTH);
}

export function newAccessor(): string {
  return randomBase62(ACCESSOR_LENGTH);
}

export function isBatchToken(raw: string): boolean {
  return raw.startsWith(BATCH_PREFIX);
}

/** Rules for a caller-chosen token id (spec/auth.md 1.2). Duplicates are checked by the store. */
export function validateCustomId(id: string): void {
  if (id.startsWith(SERVICE_PREFIX)) throw badRequest("custom token ID cannot have the 'hvs.' prefix");
  if (id.startsWith('s.')) throw badRequest("custom token ID cannot have the 's.' prefix");
  if (id.includes('.')) throw badRequest("custom token ID cannot have a '.' in the value");
}

/** `token-<name>` with every char outside [a-zA-Z0-9-] replaced by '-', one trailing '-' trimmed. */
export function tokenDisplayName(given: string | undefined): string {
  if (!given) return 'token';
  return trimOneDash(`token-${given}`.replace(/[^a-zA-Z0-9-]/g, '-'));
}

/**
 * Login display name (spec/auth.md 2.3): the mount path without `auth/`, '/' turned into '-',
 * followed by the method's display name, then one trailing '-' trimmed.
 */
export function loginDisplayName(mountPath: string, methodName: string): string {
  const source = mountPath.replace(/^auth\//, '').replaceAll('/', '-');
  return trimOneDash(source + methodName);
}

function trimOneDash(s: string): string {
  return s.endsWith('-') ? s.slice(0, -1) : s;
}
