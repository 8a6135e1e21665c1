/**
 * One raw HTTP/1.1 connection (plain or TLS) for sending several requests in a row on the same
 * socket (keep-alive), with verbs and paths no HTTP client would send as given.
 */
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export class RawConnection {
  private buf = Buffer.alloc(0);
  private waiters: Array<() => void> = [];
  closed = false;

  private constructor(readonly socket: Socket) {
    socket.on('data', (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => undefined);
  }

  /** Opens a connection to 127.0.0.1:port (TLS when `ca` is given; verified against it). */
  static async open(port: number, tls?: { ca: string }): Promise<RawConnection> {
    const socket = tls ? tlsConnect({ port, host: '127.0.0.1', ca: tls.ca, servername: 'localhost' }) : connect({ port, host: '127.0.0.1' });
    await new Promise<void>((resolve, reject) => {
      socket.once(tls ? 'secureConnect' : 'connect', () => resolve());
      socket.once('error', reject);
    });
    return new RawConnection(socket);
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  private async more(): Promise<void> {
    if (this.closed) throw new Error(`connection closed by the server; unread bytes: ${JSON.stringify(this.buf.toString())}`);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no data from the server within 15 s')), 15_000);
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Sends the raw request text and reads one response. */
  async request(raw: string, opts: { noBody?: boolean } = {}): Promise<RawResponse> {
    this.socket.write(raw);
    return this.read(opts);
  }

  /** Reads one response (Content-Length or chunked body). */
  async read(opts: { noBody?: boolean } = {}): Promise<RawResponse> {
    let end: number;
    while ((end = this.buf.indexOf('\r\n\r\n')) === -1) await this.more();
    const head = this.buf.subarray(0, end).toString('latin1').split('\r\n');
    const status = Number(head[0].split(' ')[1]);
    const headers: Record<string, string> = {};
    for (const line of head.slice(1)) {
      const c = line.indexOf(':');
      headers[line.slice(0, c).trim().toLowerCase()] = line.slice(c + 1).trim();
    }
    this.buf = this.buf.subarray(end + 4);
    if (opts.noBody || status === 204 || status === 304) return { status, headers, body: '' };
    if ((headers['transfer-encoding'] ?? '').toLowerCase().includes('chunked')) {
      const parts: Buffer[] = [];
      for (;;) {
        let eol: number;
        while ((eol = this.buf.indexOf('\r\n')) === -1) await this.more();
        const size = parseInt(this.buf.subarray(0, eol).toString('latin1'), 16);
        while (this.buf.length < eol + 2 + size + 2) await this.more();
        parts.push(this.buf.subarray(eol + 2, eol + 2 + size));
        this.buf = this.buf.subarray(eol + 2 + size + 2);
        if (size === 0) break;
      }
      return { status, headers, body: Buffer.concat(parts).toString('utf8') };
    }
    const len = Number(headers['content-length'] ?? 0);
    while (this.buf.length < len) await this.more();
    const body = this.buf.subarray(0, len).toString('utf8');
    this.buf = this.buf.subarray(len);
    return { status, headers, body };
  }

  close(): void {
    this.socket.destroy();
  }
}

function tokenHeader(token?: string): string {
  return token ? `X-Vault-Token: ${token}\r\n` : '';
}

/** `METHOD path` with no body. */
export function rawNoBody(method: string, path: string, token?: string): string {
  return `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${tokenHeader(token)}\r\n`;
}

/** `METHOD path` with a JSON body. */
export function rawJson(method: string, path: string, body: unknown, token?: string): string {
  const text = JSON.stringify(body);
  return `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${tokenHeader(token)}Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`;
}
