/**
 * TLS options of the plugins (spec/dynamic.md 2.2): PostgreSQL `sslmode` (+ `sslrootcert`,
 * `sslcert`, `sslkey` files) and the `tls_ca`, `tls_certificate`, `private_key` details; MySQL
 * the DSN's `tls` parameter and `tls_ca`, `tls_certificate_key`, `tls_server_name`,
 * `tls_skip_verify`. Returns the `ssl` options of pg and mysql2.
 */
import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';

export interface PemOptions {
  ca?: string;
  cert?: string;
  key?: string;
}

const noHostCheck = () => undefined;

function readPem(path: string | undefined, what: string): string | undefined {
  if (!path) return undefined;
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new Error(`unable to read ${what} file ${path}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/**
 * pg's `ssl` option. `disable` = no TLS; `require` = TLS, verified only when a CA is given (as
 * libpq); `verify-ca` = chain only; `verify-full` = chain and host name. Without sslmode (or
 * with `allow`/`prefer`, which pg cannot fall back from) TLS is used only when TLS details are
 * configured, verified against the CA when one is given.
 */
export function pgSsl(params: Readonly<Record<string, string>>, pem: PemOptions): false | ConnectionOptions {
  const mode = params.sslmode ?? '';
  const ca = pem.ca || readPem(params.sslrootcert, 'sslrootcert');
  const cert = pem.cert || readPem(params.sslcert, 'sslcert');
  const key = pem.key || readPem(params.sslkey, 'sslkey');
  const material: ConnectionOptions = {};
  if (ca) material.ca = ca;
  if (cert) material.cert = cert;
  if (key) material.key = key;
  switch (mode) {
    case 'disable':
      return false;
    case '':
    case 'allow':
    case 'prefer':
      if (!ca && !cert && !key) return false;
      return ca ? { ...material, rejectUnauthorized: true } : { ...material, rejectUnauthorized: false, checkServerIdentity: noHostCheck };
    case 'require':
      return ca ? { ...material, rejectUnauthorized: true, checkServerIdentity: noHostCheck } : { ...material, rejectUnauthorized: false, checkServerIdentity: noHostCheck };
    case 'verify-ca':
      return { ...material, rejectUnauthorized: true, checkServerIdentity: noHostCheck };
    case 'verify-full':
      return { ...material, rejectUnauthorized: true };
    default:
      throw new Error(`sslmode is invalid: "${mode}"`);
  }
}

/** Splits a PEM bundle holding a certificate chain and a private key. */
export function splitCertificateKey(pem: string): { cert: string; key: string } {
  const blocks = pem.match(/-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g) ?? [];
  const cert = blocks.filter((b) => b.startsWith('-----BEGIN CERTIFICATE-----')).join('\n');
  const key = blocks.find((b) => /^-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/.test(b)) ?? '';
  if (!cert || !key) throw new Error('tls_certificate_key must hold a PEM certificate and its private key');
  return { cert, key };
}

export interface MysqlSsl {
  ca?: string;
  cert?: string;
  key?: string;
  rejectUnauthorized: boolean;
  verifyIdentity: boolean;
}

/**
 * mysql2's `ssl` option from the DSN `tls` parameter (`true`, `skip-verify`, `false`,
 * `preferred` — taken as no TLS, mysql2 cannot fall back) and the TLS details, which turn TLS on
 * (verified unless `tls_skip_verify`). mysql2 checks the certificate against the connection
 * host, so a `tls_server_name` different from it is refused rather than silently unchecked.
 */
export function mysqlSsl(
  tlsParam: string | undefined,
  opts: { tlsCa: string; tlsCertificateKey: string; tlsServerName: string; tlsSkipVerify: boolean; host: string },
): MysqlSsl | undefined {
  const custom = opts.tlsCa !== '' || opts.tlsCertificateKey !== '';
  const mode = (tlsParam ?? '').toLowerCase();
  if (!custom && (mode === '' || mode === 'false' || mode === 'preferred')) return undefined;
  const ssl: MysqlSsl = { rejectUnauthorized: true, verifyIdentity: true };
  if (opts.tlsCa) ssl.ca = opts.tlsCa;
  if (opts.tlsCertificateKey) Object.assign(ssl, splitCertificateKey(opts.tlsCertificateKey));
  if (opts.tlsSkipVerify || mode === 'skip-verify') {
    ssl.rejectUnauthorized = false;
    ssl.verifyIdentity = false;
  } else if (opts.tlsServerName !== '' && opts.tlsServerName !== opts.host) {
    throw new Error(`tls_server_name "${opts.tlsServerName}" differs from the connection host "${opts.host}"; connect by that name instead`);
  }
  if (!custom && mode !== 'true' && mode !== 'skip-verify') throw new Error(`invalid value / unknown config name: ${tlsParam}`);
  return ssl;
}
