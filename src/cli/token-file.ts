/**
 * The CLI's token helper: a file holding the current token (`~/.keep-token`; `KEEP_TOKEN_FILE`
 * overrides the path). Written with mode 0600.
 */
import { chmod, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** Path of the token file for an environment. */
export function tokenFilePath(env: Record<string, string | undefined>, homedir: string): string {
  const override = env.KEEP_TOKEN_FILE;
  if (override !== undefined && override !== '') return override;
  return path.join(homedir, '.keep-token');
}

/** The stored token, or undefined when there is none. */
export async function readTokenFile(file: string): Promise<string | undefined> {
  try {
    const text = (await readFile(file, 'utf8')).trim();
    return text === '' ? undefined : text;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/** Stores a token (owner-only permissions). */
export async function writeTokenFile(file: string, token: string): Promise<void> {
  await writeFile(file, token, { mode: 0o600 });
  await chmod(file, 0o600);
}

/** Removes the stored token. */
export async function eraseTokenFile(file: string): Promise<void> {
  await rm(file, { force: true });
}
