/**
 * loadConfig: reads a server config file (HCL v1 like Vault's, or JSON) with Vault's stanza names:
 *
 * ```hcl
 * storage "sqlite" { path = "/var/lib/keep/keep.db" }
 * listener "tcp" { address = "0.0.0.0:8200" tls_cert_file = "c.pem" tls_key_file = "k.pem" }
 * seal "static" { current_key_id = "2025-01" current_key = "env://KEEP_SEAL_KEY" }
 * ui = true
 * default_lease_ttl = "1h"
 * max_lease_ttl = "24h"
 * ```
 */
import { access, readFile } from 'node:fs/promises';
import { constants } from 'node:fs';
import { parseConfigText } from './hcl.ts';
import { sealConfig } from './seal.ts';
import type { Env } from './seal.ts';
import type { ListenerConfig, ServerConfig, StorageConfig } from './types.ts';
import { ConfigError } from './types.ts';
import type { Stanza } from './values.ts';
import { bool, duration, int, isObject, stanzas, str, warnUnknown } from './values.ts';

/** Vault's system default for both lease TTLs: 768h. */
export const DEFAULT_LEASE_TTL = 2764800;
/** Default listener address. */
export const DEFAULT_ADDRESS = '127.0.0.1:8200';
const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error'];

/** Keys understood at the top level. */
const TOP_LEVEL = ['storage', 'backend', 'listener', 'seal', 'ui', 'api_addr', 'cluster_name', 'default_lease_ttl', 'max_lease_ttl', 'log_level', 'disable_mlock'];
/** Vault keys accepted without effect (no warning beyond one line). */
const IGNORED = ['cluster_addr', 'disable_cache', 'pid_file', 'raw_storage_endpoint', 'telemetry', 'log_format', 'log_file', 'plugin_directory', 'ha_storage', 'disable_clustering', 'enable_response_header_hostname', 'enable_response_header_raft_node_id', 'introspection_endpoint'];

function storageConfig(list: Stanza[], warnings: string[]): StorageConfig {
  if (list.length === 0) throw new ConfigError('storage: a storage stanza is required, e.g. storage "sqlite" { path = "keep.db" }');
  if (list.length > 1) throw new ConfigError(`storage: only one storage stanza is allowed, found ${list.length}`);
  const { label, body } = list[0];
  if (label === 'inmem') {
    warnUnknown(body, [], 'storage "inmem"', warnings);
    return { type: 'inmem' };
  }
  if (label === 'sqlite') {
    warnUnknown(body, ['path'], 'storage "sqlite"', warnings);
    if (body.path === undefined) throw new ConfigError('storage "sqlite": path is required');
    const path = str(body.path, 'storage "sqlite": path').trim();
    if (path === '') throw new ConfigError('storage "sqlite": path must not be empty');
    return { type: 'sqlite', path };
  }
  throw new ConfigError(`storage "${label}": unknown storage type (supported: inmem, sqlite)`);
}

/** Checks `host:port` (IPv6 hosts in brackets). */
export function validAddress(address: string): boolean {
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:[\]\s]*):(\d{1,5})$/.exec(address);
  return m !== null && Number(m[2]) <= 65535;
}

async function readable(file: string, where: string): Promise<void> {
  try {
    await access(file, constants.R_OK);
  } catch (e) {
    throw new ConfigError(`${where}: cannot read "${file}": ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

const LISTENER_FIELDS = ['address', 'tls_disable', 'tls_cert_file', 'tls_key_file', 'max_request_size', 'cluster_address', 'tls_min_version', 'proxy_protocol_behavior'];

async function listenerConfig(s: Stanza, warnings: string[]): Promise<ListenerConfig> {
  if (s.label !== 'tcp') throw new ConfigError(`listener "${s.label}": unsupported listener type (supported: tcp)`);
  const b = s.body;
  const address = b.address === undefined ? DEFAULT_ADDRESS : str(b.address, 'listener "tcp": address').trim();
  const where = `listener "tcp" (${address})`;
  if (!validAddress(address)) throw new ConfigError(`listener "tcp": address "${address}" must be host:port`);
  warnUnknown(b, LISTENER_FIELDS, where, warnings);
  const out: ListenerConfig = { address, tlsDisable: b.tls_disable === undefined ? false : bool(b.tls_disable, `${where}: tls_disable`) };
  if (b.tls_cert_file !== undefined) out.tlsCertFile = str(b.tls_cert_file, `${where}: tls_cert_file`);
  if (b.tls_key_file !== undefined) out.tlsKeyFile = str(b.tls_key_file, `${where}: tls_key_file`);
  if (!out.tlsDisable) {
    if (!out.tlsCertFile) throw new ConfigError(`${where}: tls_cert_file is required unless tls_disable = true`);
    if (!out.tlsKeyFile) throw new ConfigError(`${where}: tls_key_file is required unless tls_disable = true`);
    await readable(out.tlsCertFile, `${where}: tls_cert_file`);
    await readable(out.tlsKeyFile, `${where}: tls_key_file`);
  }
  if (b.max_request_size !== undefined) {
    const size = int(b.max_request_size, `${where}: max_request_size`);
    // 0 means the default (32 MiB), as in Vault; Keep never turns the limit off.
    if (size < 0) throw new ConfigError(`${where}: max_request_size: must be 0 (the 32 MiB default) or a positive number of bytes; Keep always limits request bodies`);
    if (size > 0) out.maxRequestSize = size;
  }
  return out;
}

/**
 * Builds a ServerConfig from config text.
 * @param json - parse as JSON instead of HCL.
 * @throws ConfigError naming the stanza and field.
 */
export async function parseConfig(text: string, options: { json?: boolean; env?: Env } = {}): Promise<ServerConfig> {
  let root: unknown;
  try {
    root = parseConfigText(text, options.json ?? /^\s*\{/.test(text));
  } catch (e) {
    throw new ConfigError((e as Error).message);
  }
  if (!isObject(root)) throw new ConfigError('the configuration must be an object of stanzas');
  const warnings: string[] = [];
  for (const k of Object.keys(root)) {
    if (IGNORED.includes(k)) warnings.push(`"${k}" is not supported by Keep and is ignored`);
    else if (!TOP_LEVEL.includes(k)) warnings.push(`unknown top-level key "${k}" ignored`);
  }
  const storage = storageConfig([...stanzas(root, 'storage'), ...stanzas(root, 'backend')], warnings);
  const listenerStanzas = stanzas(root, 'listener');
  if (listenerStanzas.length === 0) throw new ConfigError('listener: at least one listener stanza is required, e.g. listener "tcp" { address = "127.0.0.1:8200" tls_disable = true }');
  const listeners: ListenerConfig[] = [];
  for (const s of listenerStanzas) listeners.push(await listenerConfig(s, warnings));
  const seal = await sealConfig(stanzas(root, 'seal'), options.env ?? process.env, warnings);
  const defaultLeaseTTL = root.default_lease_ttl === undefined ? DEFAULT_LEASE_TTL : duration(root.default_lease_ttl, 'default_lease_ttl');
  const maxLeaseTTL = root.max_lease_ttl === undefined ? DEFAULT_LEASE_TTL : duration(root.max_lease_ttl, 'max_lease_ttl');
  if (defaultLeaseTTL > maxLeaseTTL) {
    throw new ConfigError(`default_lease_ttl (${defaultLeaseTTL}s) cannot be greater than max_lease_ttl (${maxLeaseTTL}s)`);
  }
  let logLevel = root.log_level === undefined ? 'info' : str(root.log_level, 'log_level').trim().toLowerCase();
  if (logLevel === 'warning') logLevel = 'warn';
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError(`log_level: unknown level "${logLevel}" (use ${LOG_LEVELS.join(', ')})`);
  if (root.disable_mlock !== undefined) bool(root.disable_mlock, 'disable_mlock');
  const config: ServerConfig = {
    storage,
    listeners,
    seal,
    ui: root.ui === undefined ? false : bool(root.ui, 'ui'),
    defaultLeaseTTL,
    maxLeaseTTL,
    logLevel,
    warnings,
  };
  if (root.api_addr !== undefined) config.apiAddr = str(root.api_addr, 'api_addr');
  if (root.cluster_name !== undefined) config.clusterName = str(root.cluster_name, 'cluster_name');
  return config;
}

/**
 * Loads a config file (`.json` files, or text starting with `{`, are read as JSON; the rest as HCL).
 * @throws ConfigError `<path>: <stanza>: <problem>` for unreadable files and invalid configs.
 */
export async function loadConfig(path: string, options: { env?: Env } = {}): Promise<ServerConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new ConfigError(`error reading config file ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  try {
    return await parseConfig(text, { json: path.toLowerCase().endsWith('.json') || undefined, env: options.env });
  } catch (e) {
    if (e instanceof ConfigError) throw new ConfigError(`${path}: ${e.message}`);
    throw e;
  }
}
