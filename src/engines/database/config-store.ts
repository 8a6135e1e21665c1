/**
 * Connection configurations (`config/<name>`, spec/dynamic.md 2.2-2.4): the stored record, its
 * read shape (no password; a literal password in a URL masked), and the URL password checks.
 *
 * Stored with lossless JSON so connection details keep the JSON types (and number literals) the
 * client sent.
 */
import { internalError } from '../../errors.ts';
import { parseJson, stringifyJson } from '../../framework/json.ts';
import type { StorageView } from '../../framework/types.ts';
import { MASK } from './redact.ts';

export const CONFIG_PREFIX = 'config/';

export interface DatabaseConfig {
  plugin_name: string;
  plugin_version: string;
  verify_connection: boolean;
  allowed_roles: string[];
  /** Written as `root_rotation_statements`, read back as `root_credentials_rotate_statements`. */
  root_credentials_rotate_statements: string[];
  password_policy: string;
  skip_static_role_import_rotation: boolean;
  /** Every other field of the write, verbatim (connection_url, username, password, pool settings, ...). */
  connection_details: Record<string, unknown>;
}

/** Connection details never returned by a read. */
const HIDDEN_DETAILS = ['password', 'private_key', 'service_account_json'];

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function missingConnection(name: string) {
  return internalError(`failed to find entry for connection with name: ${JSON.stringify(name)}`);
}

export class ConfigStore {
  constructor(private readonly storage: StorageView) {}

  async get(name: string): Promise<DatabaseConfig | undefined> {
    const bytes = await this.storage.get(CONFIG_PREFIX + name);
    if (bytes === undefined) return undefined;
    return normalize(parseJson(decoder.decode(bytes)));
  }

  /** The config or 500 `failed to find entry for connection with name: "<name>"`. */
  async require(name: string): Promise<DatabaseConfig> {
    const cfg = await this.get(name);
    if (!cfg) throw missingConnection(name);
    return cfg;
  }

  async put(name: string, cfg: DatabaseConfig): Promise<void> {
    await this.storage.put(CONFIG_PREFIX + name, encoder.encode(stringifyJson(cfg)));
  }

  async delete(name: string): Promise<void> {
    await this.storage.delete(CONFIG_PREFIX + name);
  }

  async list(): Promise<string[]> {
    return (await this.storage.list(CONFIG_PREFIX)).filter((k) => !k.endsWith('/')).sort();
  }
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

function normalize(raw: unknown): DatabaseConfig {
  const r = (raw ?? {}) as Record<string, unknown>;
  const details = r.connection_details;
  return {
    plugin_name: typeof r.plugin_name === 'string' ? r.plugin_name : '',
    plugin_version: typeof r.plugin_version === 'string' ? r.plugin_version : '',
    verify_connection: r.verify_connection !== false,
    allowed_roles: strings(r.allowed_roles),
    root_credentials_rotate_statements: strings(r.root_credentials_rotate_statements),
    password_policy: typeof r.password_policy === 'string' ? r.password_policy : '',
    skip_static_role_import_rotation: r.skip_static_role_import_rotation === true,
    connection_details: details && typeof details === 'object' && !Array.isArray(details) ? { ...(details as Record<string, unknown>) } : {},
  };
}

/** A string connection detail, or '' when absent or not a string. */
export function detailString(cfg: DatabaseConfig, key: string): string {
  const v = cfg.connection_details[key];
  return typeof v === 'string' ? v : '';
}

/** Go's url.Parse accepts these in the userinfo; anything else (e.g. `{{password}}`) fails the parse. */
const USERINFO_OK = /^[A-Za-z0-9\-._:~!$&'()*+,;=%@]*$/;

/**
 * The literal password text of a `scheme://user:pass@host/...` URL, or undefined when the URL
 * has none, is templated (`{{password}}`), or does not parse as such a URL (MySQL's Go DSNs).
 */
export function urlPassword(url: string): string | undefined {
  const m = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/([^/?#]*)/.exec(url);
  if (!m) return undefined;
  const authority = m[1];
  const at = authority.lastIndexOf('@');
  if (at < 0) return undefined;
  const userinfo = authority.slice(0, at);
  if (!USERINFO_OK.test(userinfo)) return undefined;
  const colon = userinfo.indexOf(':');
  if (colon < 0) return undefined;
  return userinfo.slice(colon + 1);
}

/** The URL with its literal password replaced by `xxxxx` (unchanged when it carries none). */
export function maskUrlPassword(url: string): string {
  const pw = urlPassword(url);
  if (pw === undefined || pw === '') return url;
  return url.split(pw).join(MASK);
}

export const PASSWORD_IN_URL_WARNING =
  'Password found in connection_url, use a templated url to enable root rotation and prevent read access to password information.';

/** The `GET config/:name` data (spec/dynamic.md 2.4). */
export function configReadData(cfg: DatabaseConfig): Record<string, unknown> {
  const details: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(cfg.connection_details)) {
    if (HIDDEN_DETAILS.includes(k)) continue;
    details[k] = k === 'connection_url' && typeof v === 'string' ? maskUrlPassword(v) : v;
  }
  return {
    plugin_name: cfg.plugin_name,
    plugin_version: cfg.plugin_version,
    connection_details: details,
    allowed_roles: [...cfg.allowed_roles],
    root_credentials_rotate_statements: [...cfg.root_credentials_rotate_statements],
    password_policy: cfg.password_policy,
    verify_connection: cfg.verify_connection,
    skip_static_role_import_rotation: cfg.skip_static_role_import_rotation,
  };
}
