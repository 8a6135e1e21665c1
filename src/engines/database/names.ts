/**
 * Names of connections, roles and static roles (spec/dynamic.md 2.1), and the `allowed_roles`
 * match of a connection (exact names or `*` globs, checked when credentials are issued or rotated).
 */
import { internalError } from '../../errors.ts';

/** Vault's generic name: word characters, with `-` and `.` allowed inside (`\w(([\w-.]+)?\w)?`). */
export const NAME_PATTERN = '\\w(?:[\\w.-]*\\w)?';

/** A dynamic role and a static role may not share a name. */
export const NAMES_MUST_BE_UNIQUE = 'Role and Static Role names must be unique';

const NAME_RE = new RegExp(`^${NAME_PATTERN}$`);

export function isValidName(name: string): boolean {
  return NAME_RE.test(name);
}

/** `*` matches any run of characters (including none); everything else matches itself. */
export function globMatch(pattern: string, value: string): boolean {
  if (!pattern.includes('*')) return pattern === value;
  const parts = pattern.split('*');
  const first = parts[0];
  const last = parts[parts.length - 1];
  if (!value.startsWith(first)) return false;
  let pos = first.length;
  for (let i = 1; i < parts.length - 1; i++) {
    const at = value.indexOf(parts[i], pos);
    if (at < 0) return false;
    pos = at + parts[i].length;
  }
  return value.length - pos >= last.length && value.endsWith(last);
}

/** True when `role` is admitted by one of the connection's `allowed_roles` entries. */
export function roleAllowed(allowedRoles: readonly string[], role: string): boolean {
  return allowedRoles.some((p) => globMatch(p, role));
}

/** 500 `"<name>" is not an allowed role` (Vault answers 500 here, not 403). */
export function assertRoleAllowed(allowedRoles: readonly string[], role: string): void {
  if (!roleAllowed(allowedRoles, role)) throw internalError(`${JSON.stringify(role)} is not an allowed role`);
}
