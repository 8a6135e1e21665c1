/**
 * The CLI's contact with the outside world, injectable so tests can run commands in-process.
 */
import os from 'node:os';

/** Where a command reads and writes. */
export interface CliIO {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  /** Reads all of stdin (once). */
  readStdin(): Promise<string>;
  /** Reads one line from stdin (for prompts such as the unseal key). */
  readLine(prompt: string): Promise<string>;
  stdoutIsTTY: boolean;
  env: Record<string, string | undefined>;
  homedir: string;
}

/** The process's real stdin/stdout/stderr and environment. */
export function processIO(): CliIO {
  let stdinText: Promise<string> | undefined;
  const readAll = (): Promise<string> => {
    stdinText ??= new Promise<string>((resolve, reject) => {
      const chunks: Buffer[] = [];
      process.stdin.on('data', (c: Buffer) => chunks.push(c));
      process.stdin.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      process.stdin.on('error', reject);
    });
    return stdinText;
  };
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    readStdin: readAll,
    async readLine(prompt: string): Promise<string> {
      if (!process.stdin.isTTY) {
        const all = await readAll();
        return all.split(/\r?\n/)[0] ?? '';
      }
      // Hidden input: the prompt is shown, the typed characters are not echoed.
      const { createInterface } = await import('node:readline/promises');
      const { Writable } = await import('node:stream');
      let muted = false;
      const output = new Writable({
        write(chunk: Buffer, _enc, cb) {
          if (!muted) process.stderr.write(chunk);
          cb();
        },
      });
      const rl = createInterface({ input: process.stdin, output, terminal: true });
      process.stderr.write(prompt);
      muted = true;
      try {
        return await rl.question('');
      } finally {
        rl.close();
        process.stderr.write('\n');
      }
    },
    stdoutIsTTY: process.stdout.isTTY === true,
    env: process.env,
    homedir: os.homedir(),
  };
}
