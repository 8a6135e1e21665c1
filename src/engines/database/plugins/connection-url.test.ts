import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  ConnectionUrlError,
  goPathEscape,
  parseMysqlDsn,
  parsePgKeyValue,
  parsePostgresConnection,
  redactConnectionUrl,
  templateConnectionUrl,
  urlPassword,
} from './connection-url.ts';
import { poolSettings } from './details.ts';
import { mysqlPoolConfig } from './mysql.ts';
import { postgresPoolConfig } from './postgres.ts';
import { mysqlSsl, pgSsl, splitCertificateKey } from './tls.ts';

describe('goPathEscape', () => {
  it('escapes like Go url.PathEscape', () => {
    assert.equal(goPathEscape('abc-_.~$&+:=@'), 'abc-_.~$&+:=@');
    assert.equal(goPathEscape('a/b;c,d?e#f g%h'), 'a%2Fb%3Bc%2Cd%3Fe%23f%20g%25h');
    assert.equal(goPathEscape('é'), '%C3%A9');
  });
});

describe('templateConnectionUrl', () => {
  const url = 'postgresql://{{username}}:{{password}}@db:5432/app?sslmode=disable';

  it('escapes username and (PostgreSQL) password', () => {
    const out = templateConnectionUrl(url, { username: 'keep admin', password: 'p/w#?@:' }, { escapePassword: true, disableEscaping: false });
    assert.equal(out, 'postgresql://keep%20admin:p%2Fw%23%3F@:@db:5432/app?sslmode=disable');
    const parsed = parsePostgresConnection(out);
    assert.equal(parsed.user, 'keep admin');
    assert.equal(parsed.password, 'p/w#?@:');
    assert.equal(parsed.host, 'db');
  });

  it('does not escape the MySQL password; disable_escaping turns all escaping off', () => {
    const my = '{{username}}:{{password}}@tcp(db:3306)/';
    assert.equal(templateConnectionUrl(my, { username: 'a b', password: 'p w/x' }, { escapePassword: false, disableEscaping: false }), 'a%20b:p w/x@tcp(db:3306)/');
    assert.equal(templateConnectionUrl(my, { username: 'a b', password: 'p' }, { escapePassword: false, disableEscaping: true }), 'a b:p@tcp(db:3306)/');
  });

  it('refuses credentials that contain the template variables', () => {
    assert.throws(
      () => templateConnectionUrl(url, { username: '{{password}}', password: 'x' }, { escapePassword: true, disableEscaping: false }),
      (e: unknown) => e instanceof ConnectionUrlError && e.message === 'username and/or password cannot contain the template variables',
    );
  });

  it('substitutes in one pass', () => {
    assert.equal(templateConnectionUrl('{{username}}|{{password}}', { username: 'u', password: 'p' }, { escapePassword: false, disableEscaping: true }), 'u|p');
  });
});

describe('PostgreSQL connection strings', () => {
  it('parses a URI with query parameters', () => {
    assert.deepEqual(parsePostgresConnection('postgres://u:p%40ss@[::1]:6543/my%20db?sslmode=verify-full&application_name=keep'), {
      host: '::1',
      port: '6543',
      user: 'u',
      password: 'p@ss',
      dbname: 'my db',
      sslmode: 'verify-full',
      application_name: 'keep',
    });
  });

  it('parses a key=value DSN with quoting', () => {
    assert.deepEqual(parsePgKeyValue(`host=localhost port = 5432 user='a b' password='it\\'s' dbname=x\\ y sslmode=disable`), {
      host: 'localhost',
      port: '5432',
      user: 'a b',
      password: "it's",
      dbname: 'x y',
      sslmode: 'disable',
    });
    assert.throws(() => parsePgKeyValue('host'), /missing "="/);
    assert.throws(() => parsePgKeyValue("password='x"), /unterminated/);
  });

  it('builds the pg pool config (pool bounds, options, TLS)', () => {
    const { config, settings } = postgresPoolConfig({
      connection_url: 'postgresql://{{username}}:{{password}}@127.0.0.1:5432/postgres?sslmode=disable&search_path=app&connect_timeout=3',
      username: 'keep',
      password: 's3cret',
      max_open_connections: 7,
      max_idle_connections: '3',
      max_connection_lifetime: '60s',
    });
    assert.equal(config.user, 'keep');
    assert.equal(config.password, 's3cret');
    assert.equal(config.max, 7);
    assert.equal(config.maxLifetimeSeconds, 60);
    assert.equal(config.connectionTimeoutMillis, 3000);
    assert.equal(config.options, '-c search_path=app');
    assert.equal(config.ssl, false);
    assert.deepEqual(settings, { maxOpen: 7, maxIdle: 3, maxLifetimeMs: 60000 });
  });

  it('rejects an empty connection_url and bad details', () => {
    assert.throws(() => postgresPoolConfig({}), /^Error: connection_url cannot be empty$/);
    assert.throws(() => postgresPoolConfig({ connection_url: 'mysql://x' }), /invalid connection URL scheme/);
    assert.throws(() => postgresPoolConfig({ connection_url: 'postgres://h:99999/db' }), /invalid port/);
    assert.throws(() => postgresPoolConfig({ connection_url: 'host=h', max_open_connections: 'many' }), /cannot parse 'max_open_connections'/);
    assert.throws(() => postgresPoolConfig({ connection_url: 'host=h', max_connection_lifetime: '5 parsecs' }), /invalid max_connection_lifetime/);
    assert.throws(() => postgresPoolConfig({ connection_url: 'host=h sslmode=sometimes' }), /sslmode is invalid/);
  });
});

describe('pool settings', () => {
  it('defaults to 4 open, idle = open, lifetime forever; idle above open is lowered', () => {
    assert.deepEqual(poolSettings({}), { maxOpen: 4, maxIdle: 4, maxLifetimeMs: 0 });
    assert.deepEqual(poolSettings({ max_open_connections: 2, max_idle_connections: 10, max_connection_lifetime: 30 }), { maxOpen: 2, maxIdle: 2, maxLifetimeMs: 30000 });
  });
});

describe('MySQL DSN', () => {
  it('parses user, password, tcp address, database and params like go-sql-driver', () => {
    assert.deepEqual(parseMysqlDsn('root:p@ss:w/rd@tcp(db.local:3307)/app?tls=skip-verify&timeout=5s'), {
      user: 'root',
      password: 'p@ss:w/rd',
      net: 'tcp',
      addr: 'db.local:3307',
      dbname: 'app',
      params: { tls: 'skip-verify', timeout: '5s' },
    });
  });

  it('fills defaults and reads unix sockets', () => {
    assert.equal(parseMysqlDsn('u@/').addr, '127.0.0.1:3306');
    assert.equal(parseMysqlDsn('u@tcp(h)/').addr, 'h:3306');
    assert.deepEqual(parseMysqlDsn('u:p@unix(/run/mysqld.sock)/db').addr, '/run/mysqld.sock');
  });

  it('rejects malformed DSNs', () => {
    assert.throws(() => parseMysqlDsn('root@tcp(h:3306)'), /missing the slash/);
    assert.throws(() => parseMysqlDsn('root@tcp(h:3306/'), /network address not terminated/);
    assert.throws(() => parseMysqlDsn('root@udp(h:1)/'), /unsupported network/);
  });

  it('builds mysql2 pool options', () => {
    const { options } = mysqlPoolConfig({
      connection_url: '{{username}}:{{password}}@tcp(127.0.0.1:3306)/mysql?timeout=2s&charset=utf8mb4',
      username: 'root',
      password: "p'w",
      max_open_connections: 3,
    });
    assert.equal(options.user, 'root');
    assert.equal(options.password, "p'w");
    assert.equal(options.host, '127.0.0.1');
    assert.equal(options.port, 3306);
    assert.equal(options.database, 'mysql');
    assert.equal(options.connectionLimit, 3);
    assert.equal(options.connectTimeout, 2000);
    assert.equal(options.charset, 'utf8mb4');
    assert.equal(options.multipleStatements, false);
    assert.equal(options.ssl, undefined);
  });
});

describe('URL passwords on read', () => {
  it('finds and masks a literal URI password; templated URLs and DSNs have none', () => {
    assert.equal(urlPassword('postgresql://u:secret@h/db'), 'secret');
    assert.equal(redactConnectionUrl('postgresql://u:secret@h:5432/db?x=1'), 'postgresql://u:xxxxx@h:5432/db?x=1');
    assert.equal(urlPassword('postgresql://{{username}}:{{password}}@h/db'), undefined);
    assert.equal(redactConnectionUrl('{{username}}:{{password}}@tcp(h:3306)/'), '{{username}}:{{password}}@tcp(h:3306)/');
    assert.equal(urlPassword('root:pw@tcp(h:3306)/'), undefined);
    assert.equal(urlPassword('postgresql://u@h/db'), undefined);
  });
});

describe('TLS options', () => {
  const CERT = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----';
  // A real key generated for the test: only its pass-through is checked.
  const KEY = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString().trim();

  it('maps PostgreSQL sslmode and the TLS details', () => {
    assert.equal(pgSsl({ sslmode: 'disable' }, { ca: CERT }), false);
    assert.equal(pgSsl({}, {}), false);
    const full = pgSsl({ sslmode: 'verify-full' }, { ca: CERT, cert: CERT, key: KEY });
    assert.ok(full);
    assert.equal(full.rejectUnauthorized, true);
    assert.equal(full.checkServerIdentity, undefined);
    const verifyCa = pgSsl({ sslmode: 'verify-ca' }, { ca: CERT });
    assert.ok(verifyCa && verifyCa.rejectUnauthorized === true && typeof verifyCa.checkServerIdentity === 'function');
    const require = pgSsl({ sslmode: 'require' }, {});
    assert.ok(require && require.rejectUnauthorized === false);
    const implied = pgSsl({}, { ca: CERT });
    assert.ok(implied && implied.rejectUnauthorized === true);
    assert.throws(() => pgSsl({ sslrootcert: '/nonexistent/ca.pem', sslmode: 'verify-full' }, {}), /unable to read sslrootcert/);
  });

  it('maps MySQL tls= and the TLS details', () => {
    const base = { tlsCa: '', tlsCertificateKey: '', tlsServerName: '', tlsSkipVerify: false, host: 'db' };
    assert.equal(mysqlSsl(undefined, base), undefined);
    assert.equal(mysqlSsl('false', base), undefined);
    assert.deepEqual(mysqlSsl('true', base), { rejectUnauthorized: true, verifyIdentity: true });
    assert.deepEqual(mysqlSsl('skip-verify', base), { rejectUnauthorized: false, verifyIdentity: false });
    assert.deepEqual(mysqlSsl(undefined, { ...base, tlsCa: CERT, tlsCertificateKey: `${CERT}\n${KEY}` }), {
      ca: CERT,
      cert: CERT,
      key: KEY,
      rejectUnauthorized: true,
      verifyIdentity: true,
    });
    assert.throws(() => mysqlSsl(undefined, { ...base, tlsCa: CERT, tlsServerName: 'other' }), /differs from the connection host/);
    assert.throws(() => mysqlSsl('custom-name', base), /unknown config name/);
    assert.throws(() => splitCertificateKey(CERT), /must hold a PEM certificate and its private key/);
  });
});
