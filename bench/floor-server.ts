/**
 * The floor: a bare node:http server answering every request with one fixed, pre-serialised JSON
 * reply shaped and sized like a KV v2 read of a small secret. It is what Node alone costs on this
 * machine (accept, parse, write); Keep's figures are read as ratios of it.
 *
 * Run as its own process: `node --import tsx bench/floor-server.ts [port]` (port 0 or absent: any
 * free port). Prints `listening <port>` on stdout once ready; exits on SIGTERM/SIGINT.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The reply body: a Vault envelope of a KV v2 read, serialised once. */
const FLOOR_BODY = Buffer.from(
  JSON.stringify({
    request_id: '6a1c0f7e-1b9d-4d55-9a53-2f0c4b8e7d10',
    lease_id: '',
    renewable: false,
    lease_duration: 0,
    data: {
      data: { username: 'ci-deployer', password: 'e4Xv9qLr2Tz7Wm5Kp8Nb3Hs6' },
      metadata: {
        created_time: '2026-01-01T00:00:00.000000000Z',
        custom_metadata: null,
        deletion_time: '',
        destroyed: false,
        version: 1,
      },
    },
    wrap_info: null,
    warnings: null,
    auth: null,
    mount_type: 'kv',
  }),
);

const HEADERS = {
  'Content-Type': 'application/json',
  'Content-Length': String(FLOOR_BODY.length),
  'Cache-Control': 'no-store',
};

function main(): void {
  const port = Number(process.argv[2] ?? '0');
  const server = createServer((req, res) => {
    // Answer at once; a request body (none in the floor scenario) is discarded by the stream.
    req.resume();
    res.writeHead(200, HEADERS);
    res.end(FLOOR_BODY);
  });
  server.keepAliveTimeout = 60_000;
  server.headersTimeout = 61_000;
  server.listen(port, '127.0.0.1', () => {
    const addr = server.address() as AddressInfo;
    process.stdout.write(`listening ${addr.port}\n`);
  });
  const stop = () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main();
