/**
 * The LIST trap. Vault clients (node-vault, hashi-vault-js, the Go SDK) send the non-standard
 * `LIST` method; Node's HTTP parser rejects it (HPE_INVALID_METHOD) before any handler runs.
 *
 * Node's parser stays on the fast path for every other request. When a connection's request
 * fails with HPE_INVALID_METHOD and the failing bytes start with `LIST `, the connection is taken
 * from the HTTP server and handed back to it (as a new connection) wrapped in a Duplex that
 * rewrites each request line `LIST <target>` into `GET <target with list=true>`. The rewriter
 * follows the HTTP/1.1 framing (headers, Content-Length, chunked bodies) so only request lines
 * are touched. The connection then stays usable for any number of requests, LIST or not.
 */
import type { Server as HttpServer } from 'node:http';
import type { Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { Server as TlsServer } from 'node:tls';

const LIST_PREFIX = Buffer.from('LIST ');
const MAX_LINE = 64 * 1024;

type State = 'line' | 'headers' | 'body' | 'chunk-size' | 'chunk-data' | 'trailers' | 'passthrough';

/** Adds `list=true` as the first query parameter of a request target. */
export function listTarget(target: string): string {
  const q = target.indexOf('?');
  if (q === -1) return `${target}?list=true`;
  const rest = target.slice(q + 1);
  return `${target.slice(0, q)}?list=true${rest === '' ? '' : `&${rest}`}`;
}

/**
 * Incremental HTTP/1.1 request-stream rewriter: `LIST` request lines become `GET ...list=true`,
 * everything else passes through byte for byte.
 */
export class ListRewriter {
  private state: State = 'line';
  private line: Buffer[] = [];
  private lineLength = 0;
  private remaining = 0;
  private contentLength = 0;
  private chunked = false;
  private upgrade = false;

  /** Rewrites one chunk; returns the bytes to hand to the HTTP parser. */
  push(chunk: Buffer): Buffer {
    if (this.state === 'passthrough') return chunk;
    const out: Buffer[] = [];
    let pos = 0;
    while (pos < chunk.length) {
      if ((this.state as State) === 'passthrough') {
        out.push(chunk.subarray(pos));
        break;
      }
      if (this.state === 'body' || this.state === 'chunk-data') {
        const n = Math.min(this.remaining, chunk.length - pos);
        out.push(chunk.subarray(pos, pos + n));
        pos += n;
        this.remaining -= n;
        if (this.remaining === 0) this.state = this.state === 'body' ? 'line' : 'chunk-size';
        continue;
      }
      const nl = chunk.indexOf(10, pos);
      if (nl === -1) {
        this.line.push(chunk.subarray(pos));
        this.lineLength += chunk.length - pos;
        if (this.lineLength > MAX_LINE) this.giveUp(out);
        break;
      }
      this.line.push(chunk.subarray(pos, nl + 1));
      pos = nl + 1;
      const line = this.line.length === 1 ? this.line[0] : Buffer.concat(this.line);
      this.line = [];
      this.lineLength = 0;
      out.push(this.onLine(line));
    }
    return out.length === 1 ? out[0] : Buffer.concat(out);
  }

  /** Bytes held back (an incomplete line) when the stream ends. */
  flush(): Buffer {
    const rest = Buffer.concat(this.line);
    this.line = [];
    this.lineLength = 0;
    return rest;
  }

  private giveUp(out: Buffer[]): void {
    // An overlong line: let Node's parser judge it (it will reject it).
    out.push(this.flush());
    this.state = 'passthrough';
  }

  private onLine(line: Buffer): Buffer {
    const text = line.toString('latin1');
    const bare = text.replace(/\r?\n$/, '');
    switch (this.state) {
      case 'line': {
        if (bare === '') return line; // stray CRLF between requests
        this.contentLength = 0;
        this.chunked = false;
        this.upgrade = false;
        this.state = 'headers';
        if (line.subarray(0, 5).equals(LIST_PREFIX)) {
          const sp = bare.indexOf(' ', 5);
          if (sp === -1) return line;
          return Buffer.from(`GET ${listTarget(bare.slice(5, sp))}${bare.slice(sp)}\r\n`, 'latin1');
        }
        if (bare.startsWith('CONNECT ')) this.upgrade = true;
        return line;
      }
      case 'headers': {
        if (bare === '') {
          if (this.upgrade) this.state = 'passthrough';
          else if (this.chunked) this.state = 'chunk-size';
          else if (this.contentLength > 0) {
            this.remaining = this.contentLength;
            this.state = 'body';
          } else this.state = 'line';
          return line;
        }
        const colon = bare.indexOf(':');
        if (colon > 0) {
          const name = bare.slice(0, colon).trim().toLowerCase();
          const value = bare.slice(colon + 1).trim();
          if (name === 'content-length') {
            if (!/^\d+$/.test(value)) this.upgrade = true; // malformed: stop interpreting
            else this.contentLength = Number(value);
          } else if (name === 'transfer-encoding') {
            this.chunked = /(^|,)\s*chunked\s*$/i.test(value);
          } else if (name === 'upgrade') {
            this.upgrade = true;
          }
        }
        return line;
      }
      case 'chunk-size': {
        const size = Number.parseInt(bare.split(';')[0].trim(), 16);
        if (!Number.isFinite(size) || size < 0) this.state = 'passthrough';
        else if (size === 0) this.state = 'trailers';
        else {
          this.remaining = size + 2; // data + CRLF
          this.state = 'chunk-data';
        }
        return line;
      }
      case 'trailers':
        if (bare === '') this.state = 'line';
        return line;
      default:
        return line;
    }
  }
}

/** A Duplex over the client socket that rewrites LIST request lines on the way in. */
class ListConnection extends Duplex {
  private readonly rewriter = new ListRewriter();

  constructor(
    private readonly socket: Socket,
    head: Buffer,
  ) {
    super({ allowHalfOpen: true });
    this.feed(head);
    socket.on('data', (chunk: Buffer) => this.feed(chunk));
    socket.on('end', () => {
      const rest = this.rewriter.flush();
      if (rest.length > 0) this.push(rest);
      this.push(null);
    });
    socket.on('error', (err) => this.destroy(err));
    socket.on('close', () => {
      if (!this.destroyed) this.destroy();
    });
    socket.on('timeout', () => this.emit('timeout'));
  }

  private feed(chunk: Buffer): void {
    const out = this.rewriter.push(chunk);
    if (out.length > 0 && !this.push(out)) this.socket.pause();
  }

  override _read(): void {
    this.socket.resume();
  }

  override _write(chunk: Buffer, encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.socket.write(chunk, encoding, callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.socket.end(callback);
  }

  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    this.socket.destroy(err ?? undefined);
    callback(err);
  }

  // The parts of net.Socket that Node's HTTP server and Fastify use.
  get remoteAddress(): string | undefined {
    return this.socket.remoteAddress;
  }
  get remotePort(): number | undefined {
    return this.socket.remotePort;
  }
  get remoteFamily(): string | undefined {
    return this.socket.remoteFamily;
  }
  get localAddress(): string | undefined {
    return this.socket.localAddress;
  }
  get localPort(): number | undefined {
    return this.socket.localPort;
  }
  get encrypted(): boolean {
    return (this.socket as Socket & { encrypted?: boolean }).encrypted === true;
  }
  get bytesWritten(): number {
    return this.socket.bytesWritten;
  }
  get bytesRead(): number {
    return this.socket.bytesRead;
  }
  address(): ReturnType<Socket['address']> {
    return this.socket.address();
  }
  setTimeout(ms: number, callback?: () => void): this {
    this.socket.setTimeout(ms);
    if (callback) this.once('timeout', callback);
    return this;
  }
  setNoDelay(noDelay?: boolean): this {
    this.socket.setNoDelay(noDelay);
    return this;
  }
  setKeepAlive(enable?: boolean, delay?: number): this {
    this.socket.setKeepAlive(enable, delay);
    return this;
  }
  ref(): this {
    this.socket.ref();
    return this;
  }
  unref(): this {
    this.socket.unref();
    return this;
  }
  getPeerCertificate(detailed?: boolean): unknown {
    const s = this.socket as Socket & { getPeerCertificate?: (d?: boolean) => unknown };
    return s.getPeerCertificate ? s.getPeerCertificate(detailed) : undefined;
  }
}

/**
 * The failing bytes start a LIST request: `LIST ...`, or a packet cut inside the method (`LIS`,
 * `LIST`) whose rest arrives later. (A cut after `L` or `LI` leaves the failing packet without
 * the method's head; such a request gets the ordinary 400.)
 */
function startsLikeList(packet: Buffer): boolean {
  if (packet.length < 3) return false;
  const n = Math.min(packet.length, LIST_PREFIX.length);
  return packet.subarray(0, n).equals(LIST_PREFIX.subarray(0, n));
}

/** Node's private bits of a server-side socket that the takeover must undo. */
interface HttpParserLike {
  _consumed?: boolean;
  unconsume?: () => void;
  remove?: () => void;
  close?: () => void;
}

interface ServerSocket extends Socket {
  parser?: HttpParserLike | null;
  server?: HttpServer;
  _httpMessage?: unknown;
}

/** Listeners Node's HTTP server put on the socket (`close` stays: it only frees the parser). */
const SERVER_EVENTS = ['data', 'end', 'drain', 'timeout', 'resume', 'pause', 'error'] as const;

/**
 * Handles a `clientError`: when it is a LIST request, takes the connection over and returns true;
 * otherwise returns false (the caller answers 400 as usual).
 */
export function takeOverListConnection(err: Error & { code?: string; rawPacket?: unknown }, rawSocket: Socket, fallbackServer?: HttpServer): boolean {
  if (err.code !== 'HPE_INVALID_METHOD') return false;
  const packet = err.rawPacket;
  if (!Buffer.isBuffer(packet) || !startsLikeList(packet)) return false;
  const socket = rawSocket as ServerSocket;
  const server = socket.server ?? fallbackServer;
  if (!server || socket.destroyed || socket._httpMessage) return false;

  const parser = socket.parser;
  socket.parser = null;
  if (parser) {
    if (parser._consumed && parser.unconsume) parser.unconsume();
    parser._consumed = false;
    parser.remove?.();
    setImmediate(() => parser.close?.());
  }
  for (const ev of SERVER_EVENTS) socket.removeAllListeners(ev);
  // Node wrapped on/addListener to unconsume its parser; with the parser gone, restore them.
  const proto = Object.getPrototypeOf(socket) as Socket;
  socket.on = proto.on;
  socket.addListener = proto.addListener;
  socket.prependListener = proto.prependListener;

  const conn = new ListConnection(socket, packet);
  server.emit(server instanceof TlsServer ? 'secureConnection' : 'connection', conn);
  return true;
}
