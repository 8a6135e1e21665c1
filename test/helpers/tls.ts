/**
 * A throw-away self-signed certificate for 127.0.0.1 / localhost, made with the openssl CLI at
 * test time (nothing is checked in).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

export interface TestCert {
  certFile: string;
  keyFile: string;
  /** The certificate PEM (also the CA to trust: it is self-signed). */
  certPem: string;
}

/** True when an `openssl` binary can be run. */
export function haveOpenssl(): boolean {
  const r = spawnSync('openssl', ['version'], { stdio: 'ignore' });
  return r.status === 0;
}

/** Writes cert.pem and key.pem into dir. @throws with openssl's output when it fails. */
export function makeSelfSignedCert(dir: string): TestCert {
  const certFile = path.join(dir, 'cert.pem');
  const keyFile = path.join(dir, 'key.pem');
  const r = spawnSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', certFile, '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-days', '1'],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`openssl req failed (exit ${r.status}): ${r.stderr}`);
  return { certFile, keyFile, certPem: readFileSync(certFile, 'utf8') };
}
