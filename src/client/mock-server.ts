/**
 * A tiny programmable HTTP server for tests of the client and the CLI (not used in production).
 * Handlers are keyed by `METHOD /v1/path` (query string excluded); every request is recorded.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request as the mock server saw it. */
export interface SeenRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** What a handler answers: status, optional JSON body (or raw text), optional headers. */
export interface MockReply {
  status: number;
  body?: unknown;
  text?: string;
  headers?: Record<string, string>;
  /** Destroy the socket without answering (a connection error for the client). */
  hangUp?: boolean;
}

export type MockHandler = (req: SeenRequest) => MockReply | Promise<MockReply>;

/** A running mock server. */
export interface MockServer {
  url: string;
  requests: SeenRequest[];
  /** Sets the handler of `METHOD /v1/path`. */
  on(key: string, handler: MockHandler | MockReply): void;
  close(): Promise<void>;
}

/** Starts a mock server on 127.0.0.1 with a random port. Unknown routes answer 404 `{"errors":[]}`. */
export async function startMockServer(): Promise<MockServer> {
  const routes = new Map<string, MockHandler>();
  const requests: SeenRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const u = new URL(req.url ?? '/', 'http://localhost');
      const seen: SeenRequest = { method: req.method ?? 'GET', path: decodeURIComponent(u.pathname), query: u.searchParams, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      requests.push(seen);
      const handler = routes.get(`${seen.method} ${seen.path}`);
      Promise.resolve(handler ? handler(seen) : { status: 404, body: { errors: [] } })
        .then((reply) => {
          if (reply.hangUp) {
            req.socket.destroy();
            return;
          }
          const text = reply.text ?? (reply.body === undefined ? '' : JSON.stringify(reply.body));
          res.writeHead(reply.status, { 'Content-Type': 'application/json', ...reply.headers });
          res.end(text);
        })
        .catch(() => {
          res.writeHead(500);
          res.end();
        });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    on(key, handler) {
      routes.set(key, typeof handler === 'function' ? handler : () => handler);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A standard envelope around `data` (and optional extras such as `auth`). */
export function envelope(data: unknown, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    request_id: '00000000-0000-0000-0000-000000000000',
    lease_id: '',
    renewable: false,
    lease_duration: 0,
    data,
    wrap_info: null,
    warnings: null,
    auth: null,
    mount_type: '',
    ...extra,
  };
}
