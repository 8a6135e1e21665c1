/**
 * connection_url handling (spec/dynamic.md 2.2-2.4): `{{username}}`/`{{password}}` templating
 * with Go's url.PathEscape, and the parsing of the resulting PostgreSQL URI / key=value DSN and
 * MySQL Go DSN into what the drivers take. No other template variables exist.
 */

/** Characters Go's url.PathEscape leaves alone. */
const PATH_SAFE = /[A-Za-z0-9\-_.~$&+:=@]/;

/** Go's url.PathEscape: everything but unreserved characters and `$&+:=@` is %XX-encoded (UTF-8). */
export function goPathEscape(s: string): string {
  let out = '';
  for (const ch of s) {
    if (PATH_SAFE.test(ch)) out += ch;
    else for (const b of Buffer.from(ch, 'utf8')) out += `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

export class ConnectionUrlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConnectionUrlError';
  }
}

/**
 * Substitutes `{{username}}` and `{{password}}` (one pass, so a value is never re-templated).
 * `escapePassword` is true for PostgreSQL, false for MySQL; `disableEscaping` turns both off.
 */
export function templateConnectionUrl(
  url: string,
  creds: { username: string; password: string },
  opts: { escapePassword: boolean; disableEscaping: boolean },
): string {
  for (const v of [creds.username, creds.password]) {
    if (v.includes('{{username}}') || v.includes('{{password}}')) {
      throw new ConnectionUrlError('username and/or password cannot contain the template variables');
    }
  }
  const username = opts.disableEscaping ? creds.username : goPathEscape(creds.username);
  const password = opts.disableEscaping || !opts.escapePassword ? creds.password : goPathEscape(creds.password);
  return url.replace(/\{\{(username|password)\}\}/g, (_m, k: string) => (k === 'username' ? username : password));
}

function unescapePercent(s: string, what: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw new ConnectionUrlError(`invalid URL escape in ${what}`);
  }
}

/** The parts of a URI that a connection needs (Go's url.Parse, reduced). */
export interface ParsedUri {
  scheme: string;
  user?: string;
  password?: string;
  /** Host without brackets; '' when absent. */
  host: string;
  port?: number;
  /** Path without the leading '/', unescaped. */
  path: string;
  params: URLSearchParams;
}

/** Parses `scheme://[user[:password]@]host[:port][/path][?query]`. Returns undefined when it is not such a URI. */
export function parseUri(text: string): ParsedUri | undefined {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(.*)$/s.exec(text);
  if (!m) return undefined;
  let rest = m[2];
  const hash = rest.indexOf('#');
  if (hash >= 0) rest = rest.slice(0, hash);
  let query = '';
  const q = rest.indexOf('?');
  if (q >= 0) {
    query = rest.slice(q + 1);
    rest = rest.slice(0, q);
  }
  const slash = rest.indexOf('/');
  const authority = slash >= 0 ? rest.slice(0, slash) : rest;
  const path = slash >= 0 ? rest.slice(slash + 1) : '';
  const at = authority.lastIndexOf('@');
  let user: string | undefined;
  let password: string | undefined;
  if (at >= 0) {
    const info = authority.slice(0, at);
    if (/[^A-Za-z0-9\-._:~!$&'()*+,;=%@]/.test(info)) throw new ConnectionUrlError('net/url: invalid userinfo');
    const colon = info.indexOf(':');
    user = unescapePercent(colon >= 0 ? info.slice(0, colon) : info, 'user');
    if (colon >= 0) password = unescapePercent(info.slice(colon + 1), 'password');
  }
  const hostport = at >= 0 ? authority.slice(at + 1) : authority;
  let host = hostport;
  let port: number | undefined;
  const v6 = /^\[([^\]]*)\](?::(\d*))?$/.exec(hostport);
  if (v6) {
    host = v6[1];
    if (v6[2]) port = Number(v6[2]);
  } else {
    const c = hostport.lastIndexOf(':');
    if (c >= 0) {
      const p = hostport.slice(c + 1);
      if (!/^\d*$/.test(p)) throw new ConnectionUrlError(`invalid port ":${p}" after host`);
      host = hostport.slice(0, c);
      if (p !== '') port = Number(p);
    }
  }
  return { scheme: m[1].toLowerCase(), user, password, host: unescapePercent(host, 'host'), port, path: unescapePercent(path, 'path'), params: new URLSearchParams(query) };
}

/**
 * The literal password of a connection URL that parses as a URI, or undefined (templated URLs,
 * MySQL DSNs and key=value DSNs never count, as with Go's url.Parse).
 */
export function urlPassword(url: string): string | undefined {
  try {
    return parseUri(url)?.password;
  } catch {
    return undefined;
  }
}

/** The URL as `GET config/:name` shows it: a literal URI password becomes `xxxxx`. */
export function redactConnectionUrl(url: string): string {
  if (urlPassword(url) === undefined) return url;
  const m = /^([A-Za-z][A-Za-z0-9+.-]*:\/\/)([^/?#]*)(.*)$/s.exec(url);
  if (!m) return url;
  const at = m[2].lastIndexOf('@');
  const info = m[2].slice(0, at);
  const colon = info.indexOf(':');
  return `${m[1]}${info.slice(0, colon)}:xxxxx@${m[2].slice(at + 1)}${m[3]}`;
}

/** libpq's key=value connection string: `host=h port=5432 user='a b' password=x\ y`. */
export function parsePgKeyValue(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  let i = 0;
  const n = text.length;
  const skipSpace = () => {
    while (i < n && /\s/.test(text[i])) i++;
  };
  while (true) {
    skipSpace();
    if (i >= n) break;
    const keyStart = i;
    while (i < n && text[i] !== '=' && !/\s/.test(text[i])) i++;
    const key = text.slice(keyStart, i);
    skipSpace();
    if (text[i] !== '=') throw new ConnectionUrlError(`missing "=" after "${key}" in connection info string`);
    i++;
    skipSpace();
    let value = '';
    if (text[i] === "'") {
      i++;
      let closed = false;
      while (i < n) {
        const c = text[i];
        if (c === '\\' && i + 1 < n) {
          value += text[i + 1];
          i += 2;
        } else if (c === "'") {
          i++;
          closed = true;
          break;
        } else {
          value += c;
          i++;
        }
      }
      if (!closed) throw new ConnectionUrlError('unterminated quoted string in connection info string');
    } else {
      while (i < n && !/\s/.test(text[i])) {
        if (text[i] === '\\' && i + 1 < n) {
          value += text[i + 1];
          i += 2;
        } else value += text[i++];
      }
    }
    if (key === '') throw new ConnectionUrlError('missing key in connection info string');
    out[key] = value;
  }
  return out;
}

/** PostgreSQL connection settings from a URI or key=value DSN, as libpq names them. */
export function parsePostgresConnection(text: string): Record<string, string> {
  const uri = /^postgres(ql)?:\/\//i.test(text) ? parseUri(text) : undefined;
  if (!uri) {
    if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(text)) throw new ConnectionUrlError(`invalid connection URL scheme (expected postgres:// or postgresql://)`);
    return parsePgKeyValue(text);
  }
  const out: Record<string, string> = {};
  if (uri.host !== '') out.host = uri.host;
  if (uri.port !== undefined) out.port = String(uri.port);
  if (uri.user !== undefined) out.user = uri.user;
  if (uri.password !== undefined) out.password = uri.password;
  if (uri.path !== '') out.dbname = uri.path;
  for (const [k, v] of uri.params) out[k] = v;
  return out;
}

/** A MySQL Go DSN: `[user[:password]@][net[(addr)]]/dbname[?param=value&...]`. */
export interface MysqlDsn {
  user: string;
  password: string;
  net: string;
  /** `host:port` for tcp, a socket path for unix. */
  addr: string;
  dbname: string;
  params: Record<string, string>;
}

/** Parses a Go MySQL DSN the way go-sql-driver/mysql does (last `/`, last `@` before it). */
export function parseMysqlDsn(dsn: string): MysqlDsn {
  const slash = dsn.lastIndexOf('/');
  if (slash < 0) throw new ConnectionUrlError('invalid DSN: missing the slash separating the database name');
  const left = dsn.slice(0, slash);
  const out: MysqlDsn = { user: '', password: '', net: '', addr: '', dbname: '', params: {} };
  let netStart = 0;
  const at = left.lastIndexOf('@');
  if (at >= 0) {
    const info = left.slice(0, at);
    const colon = info.indexOf(':');
    out.user = colon >= 0 ? info.slice(0, colon) : info;
    out.password = colon >= 0 ? info.slice(colon + 1) : '';
    netStart = at + 1;
  }
  const netPart = left.slice(netStart);
  const paren = netPart.indexOf('(');
  if (paren >= 0) {
    if (!netPart.endsWith(')')) {
      if (netPart.slice(paren + 1).includes(')')) throw new ConnectionUrlError('invalid DSN: did you forget to escape a param value?');
      throw new ConnectionUrlError('invalid DSN: network address not terminated (missing closing brace)');
    }
    out.net = netPart.slice(0, paren);
    out.addr = netPart.slice(paren + 1, -1);
  } else out.net = netPart;
  const right = dsn.slice(slash + 1);
  const q = right.indexOf('?');
  const dbname = q >= 0 ? right.slice(0, q) : right;
  out.dbname = unescapePercent(dbname, 'database name');
  if (q >= 0) {
    for (const pair of right.slice(q + 1).split('&')) {
      if (pair === '') continue;
      const eq = pair.indexOf('=');
      if (eq < 0) throw new ConnectionUrlError(`invalid DSN: invalid parameter "${pair}"`);
      out.params[pair.slice(0, eq)] = unescapePercent(pair.slice(eq + 1).replace(/\+/g, ' '), `parameter ${pair.slice(0, eq)}`);
    }
  }
  if (out.net === '') out.net = 'tcp';
  if (out.net !== 'tcp' && out.net !== 'unix') throw new ConnectionUrlError(`invalid DSN: unsupported network "${out.net}"`);
  if (out.addr === '') out.addr = out.net === 'tcp' ? '127.0.0.1:3306' : '/tmp/mysql.sock';
  else if (out.net === 'tcp' && !/:\d+$/.test(out.addr)) out.addr = `${out.addr.replace(/^\[(.*)\]$/, '$1').includes(':') ? `[${out.addr.replace(/^\[(.*)\]$/, '$1')}]` : out.addr}:3306`;
  return out;
}

/** Splits `host:port` (IPv6 in brackets). */
export function splitHostPort(addr: string): { host: string; port: number } {
  const v6 = /^\[([^\]]*)\]:(\d+)$/.exec(addr);
  if (v6) return { host: v6[1], port: Number(v6[2]) };
  const c = addr.lastIndexOf(':');
  if (c < 0) throw new ConnectionUrlError(`address ${addr}: missing port in address`);
  const port = Number(addr.slice(c + 1));
  if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new ConnectionUrlError(`address ${addr}: invalid port`);
  return { host: addr.slice(0, c), port };
}
