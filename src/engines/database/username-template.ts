/**
 * Username templates of the database plugins (spec/dynamic.md 2.11-2.13): Go text/template with
 * Vault's functions, evaluated against `{ .DisplayName, .RoleName }`.
 */
import { badRequest } from '../../errors.ts';
import { GoTemplate, TemplateError, truncateBytes } from './plugins/go-template.ts';

export const POSTGRES_USERNAME_TEMPLATE =
  '{{ printf "v-%s-%s-%s-%s" (.DisplayName | truncate 8) (.RoleName | truncate 8) (random 20) (unix_time) | truncate 63 }}';
export const POSTGRES_MAX_USERNAME_LENGTH = 63;

export const MYSQL_USERNAME_TEMPLATE =
  '{{ printf "v-%s-%s-%s-%s" (.DisplayName | truncate 10) (.RoleName | truncate 10) (random 20) (unix_time) | truncate 32 }}';
export const MYSQL_MAX_USERNAME_LENGTH = 32;

/** mysql-aurora/-rds/-legacy-database-plugin (MySQL < 5.7). */
export const MYSQL_LEGACY_USERNAME_TEMPLATE = '{{ printf "v-%s-%s" (.RoleName | truncate 4) (random 20) | truncate 16 }}';
export const MYSQL_LEGACY_MAX_USERNAME_LENGTH = 16;

const cache = new Map<string, GoTemplate>();
const CACHE_LIMIT = 256;

/** Compiles (and caches) a template; throws TemplateError. */
export function compileUsernameTemplate(template: string): GoTemplate {
  let t = cache.get(template);
  if (!t) {
    t = new GoTemplate(template);
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(template, t);
  }
  return t;
}

/**
 * Renders a username. `unixTime` (seconds) is what `unix_time` returns (`unix_time_millis` and
 * `timestamp` use the same instant). The result is cut to `maxLength` bytes (the plugin limit).
 * Throws an Error (`unable to generate username: ...`) when the template fails or yields nothing.
 */
export function renderUsername(template: string, vars: { displayName: string; roleName: string; unixTime: number }, maxLength: number): string {
  let out: string;
  try {
    const nowMs = Date.now();
    const ms = Math.floor(nowMs / 1000) === vars.unixTime ? nowMs : vars.unixTime * 1000;
    out = compileUsernameTemplate(template).execute({ DisplayName: vars.displayName, RoleName: vars.roleName }, { nowMs: () => ms });
  } catch (e) {
    throw new Error(`unable to generate username: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (maxLength > 0) out = truncateBytes(out, maxLength);
  if (out === '') throw new Error('unable to generate username: the username template produced an empty username');
  return out;
}

/**
 * Checks a template at config write: it must parse and run against empty metadata (as Vault's
 * plugins do). Throws KeepError 400 `unable to initialize username template: ...` or
 * `invalid username template: ...`.
 */
export function validateUsernameTemplate(template: string): void {
  const message = usernameTemplateProblem(template);
  if (message !== undefined) throw badRequest(message);
}

/** The problem with a template (Vault's wording), or undefined when it is usable. */
export function usernameTemplateProblem(template: string): string | undefined {
  // An empty template means the plugin default.
  if (template === '') return undefined;
  let t: GoTemplate;
  try {
    t = compileUsernameTemplate(template);
  } catch (e) {
    return `unable to initialize username template: ${e instanceof TemplateError ? `unable to parse template: ${e.message}` : String(e)}`;
  }
  try {
    t.execute({ DisplayName: '', RoleName: '' });
  } catch (e) {
    return `invalid username template: unable to apply template: ${e instanceof Error ? e.message : String(e)}`;
  }
  return undefined;
}
