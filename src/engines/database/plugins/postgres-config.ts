/**
 * PostgreSQL pool configuration from connection details (spec/dynamic.md 2.2, 2.3): the templated
 * connection_url (URI or key=value DSN), pool bounds and TLS.
 */
import type pg from 'pg';
import type { ConnectionDetails } from '../plugin.ts';
import { parsePostgresConnection, templateConnectionUrl } from './connection-url.ts';
import { detailBool, detailString, poolSettings, type PoolSettings } from './details.ts';
import { pgSsl } from './tls.ts';

const CONNECT_TIMEOUT_MS = 15_000;

/** libpq parameters with no meaning for node-postgres (ignored instead of sent as settings). */
const LIBPQ_ONLY = new Set([
  'sslmode',
  'sslrootcert',
  'sslcert',
  'sslkey',
  'sslpassword',
  'sslcrl',
  'sslcompression',
  'sslsni',
  'ssl_min_protocol_version',
  'ssl_max_protocol_version',
  'target_session_attrs',
  'gssencmode',
  'krbsrvname',
  'requirepeer',
  'channel_binding',
  'load_balance_hosts',
  'fallback_application_name',
  'passfile',
  'service',
  'keepalives',
  'keepalives_idle',
  'keepalives_interval',
  'keepalives_count',
  'tcp_user_timeout',
  'replication',
  'hostaddr',
  'connect_timeout',
  'host',
  'port',
  'dbname',
  'user',
  'password',
  'application_name',
  'options',
]);

export interface PgSetup {
  config: pg.PoolConfig;
  settings: PoolSettings;
}

/** Builds the pool configuration from connection details (validates them). */
export function postgresPoolConfig(details: ConnectionDetails): PgSetup {
  const url = detailString(details, 'connection_url');
  if (url === '') throw new Error('connection_url cannot be empty');
  const templated = templateConnectionUrl(
    url,
    { username: detailString(details, 'username'), password: detailString(details, 'password') },
    { escapePassword: true, disableEscaping: detailBool(details, 'disable_escaping', false) },
  );
  const p = parsePostgresConnection(templated);
  const settings = poolSettings(details);
  const config: pg.PoolConfig = {
    max: settings.maxOpen,
    idleTimeoutMillis: 0,
    allowExitOnIdle: true,
    maxLifetimeSeconds: Math.ceil(settings.maxLifetimeMs / 1000),
    connectionTimeoutMillis: p.connect_timeout && Number(p.connect_timeout) > 0 ? Number(p.connect_timeout) * 1000 : CONNECT_TIMEOUT_MS,
  };
  if (p.host !== undefined) config.host = p.host;
  if (p.port !== undefined) {
    const port = Number(p.port);
    if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new Error(`invalid port: ${p.port}`);
    config.port = port;
  }
  if (p.user !== undefined) config.user = p.user;
  config.password = p.password ?? '';
  if (p.dbname !== undefined) config.database = p.dbname;
  if (p.application_name !== undefined) config.application_name = p.application_name;
  // Other run-time parameters (search_path, statement_timeout, ...) go through `options`.
  const extra = Object.entries(p)
    .filter(([k]) => !LIBPQ_ONLY.has(k))
    .map(([k, v]) => `-c ${k}=${v.replace(/\\/g, '\\\\').replace(/ /g, '\\ ')}`);
  const options = [p.options, ...extra].filter((o) => o !== undefined && o !== '').join(' ');
  if (options !== '') config.options = options;
  config.ssl = pgSsl(p, {
    ca: detailString(details, 'tls_ca') || undefined,
    cert: detailString(details, 'tls_certificate') || undefined,
    key: detailString(details, 'private_key') || undefined,
  });
  return { config, settings };
}

