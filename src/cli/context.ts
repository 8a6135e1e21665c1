/**
 * What a command runs with: its IO, the environment, the parsed global flags, a lazily built
 * client, and Vault-style output and error helpers.
 */
import { KeepApiError, KeepConnectionError } from '../client/errors.ts';
import { KeepClient } from '../client/client.ts';
import { KvUnsupportedError } from '../client/kv.ts';
import type { SecretResponse } from '../client/types.ts';
import { parseBool, UsageError } from './flags.ts';
import type { FlagSpec, Flags } from './flags.ts';
import { fieldText, jsonText, listTable, mapTable, secretTable, warningsText, yamlText, rawField } from './format.ts';
import type { CliIO } from './io.ts';
import { readTokenFile, tokenFilePath } from './token-file.ts';

/** Exit codes: 0 success, 1 local error, 2 server error or usage error. */
export const EXIT_OK = 0;
export const EXIT_LOCAL = 1;
export const EXIT_REMOTE = 2;
export const EXIT_USAGE = 2;

/** Flags every command accepts (connection settings); also honoured after positional arguments. */
export const GLOBAL_FLAGS: FlagSpec[] = [
  { name: 'address', type: 'string', usage: 'Address of the Keep server. Overrides KEEP_ADDR / VAULT_ADDR.' },
  { name: 'ca-cert', type: 'string', usage: 'PEM CA bundle file to verify the server. Overrides KEEP_CACERT / VAULT_CACERT.' },
  { name: 'tls-skip-verify', type: 'bool', usage: 'Do not verify the server certificate (insecure). Overrides KEEP_SKIP_VERIFY.' },
  { name: 'namespace', type: 'string', usage: 'Namespace header to send (accepted for compatibility).' },
  { name: 'wrap-ttl', type: 'string', usage: 'Wrap the response in a cubbyhole token with this TTL.' },
  { name: 'non-interactive', type: 'bool', usage: 'Never prompt.' },
];

/** Names of the global flags (parsed even after positional arguments). */
export const GLOBAL_FLAG_NAMES: ReadonlySet<string> = new Set(GLOBAL_FLAGS.map((f) => f.name));

/** `-format` for commands that print answers. */
export const FORMAT_FLAG: FlagSpec = { name: 'format', type: 'string', usage: 'Output format: table, json or yaml.' };
/** `-field` for commands that print answers. */
export const FIELD_FLAG: FlagSpec = { name: 'field', type: 'string', usage: 'Print only this field, raw (no trailing newline when piped).' };

const FORMATS = new Set(['table', 'json', 'yaml', 'yml', 'raw']);

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The run-time context of one command. */
export class CommandContext {
  private clientInstance: KeepClient | undefined;

  constructor(
    readonly io: CliIO,
    readonly flags: Flags,
  ) {}

  /** An environment variable (first non-empty of the names). */
  env(...names: string[]): string | undefined {
    for (const n of names) {
      const v = this.io.env[n];
      if (v !== undefined && v !== '') return v;
    }
    return undefined;
  }

  /** The output format: `-format`, else KEEP_FORMAT / VAULT_FORMAT, else `table`. */
  get format(): string {
    return (this.flags.str('format') || this.env('KEEP_FORMAT', 'VAULT_FORMAT') || 'table').toLowerCase();
  }

  /** The `-wrap-ttl` value, if any. */
  get wrapTTL(): string | undefined {
    return this.flags.str('wrap-ttl') || this.env('KEEP_WRAP_TTL', 'VAULT_WRAP_TTL');
  }

  /** Path of the token helper file. */
  get tokenFile(): string {
    return tokenFilePath(this.io.env, this.io.homedir);
  }

  /** Server address: `-address`, KEEP_ADDR, VAULT_ADDR, default `http://127.0.0.1:8200`. */
  get address(): string {
    return this.flags.str('address') || this.env('KEEP_ADDR', 'VAULT_ADDR') || 'http://127.0.0.1:8200';
  }

  /** The client, built on first use from flags, environment and token file. */
  async client(): Promise<KeepClient> {
    if (this.clientInstance) return this.clientInstance;
    const token = this.env('KEEP_TOKEN', 'VAULT_TOKEN') ?? (await readTokenFile(this.tokenFile));
    const skip = this.flags.has('tls-skip-verify') ? this.flags.bool('tls-skip-verify') : parseBool(this.env('KEEP_SKIP_VERIFY', 'VAULT_SKIP_VERIFY') ?? 'false') === true;
    const retriesText = this.env('KEEP_MAX_RETRIES', 'VAULT_MAX_RETRIES');
    const retries = retriesText !== undefined && /^\d+$/.test(retriesText) ? Number(retriesText) : undefined;
    this.clientInstance = new KeepClient({
      address: this.address,
      token,
      caCert: this.flags.str('ca-cert') || this.env('KEEP_CACERT', 'VAULT_CACERT'),
      tlsSkipVerify: skip,
      namespace: this.flags.str('namespace') || this.env('KEEP_NAMESPACE', 'VAULT_NAMESPACE'),
      retries,
    });
    return this.clientInstance;
  }

  /** Releases the client's connections. */
  close(): void {
    this.clientInstance?.close();
  }

  /** Writes text and a newline to stdout. */
  out(text: string): void {
    this.io.stdout.write(`${text}\n`);
  }

  /** Writes text and a newline to stderr. */
  err(text: string): void {
    this.io.stderr.write(`${text}\n`);
  }

  /** Prints a raw value: with a newline only when stdout is a terminal. */
  raw(text: string): void {
    this.io.stdout.write(this.io.stdoutIsTTY ? `${text}\n` : text);
  }

  private checkFormat(): number | undefined {
    if (!FORMATS.has(this.format)) {
      this.err(`Invalid output format: ${this.format}`);
      return EXIT_LOCAL;
    }
    return undefined;
  }

  /** Prints a whole answer in the chosen format (table: warnings to stderr, then the table). */
  printSecret(secret: SecretResponse): number {
    const bad = this.checkFormat();
    if (bad !== undefined) return bad;
    if (this.format === 'json' || this.format === 'raw') this.out(jsonText(secret));
    else if (this.format === 'yaml' || this.format === 'yml') this.out(yamlText(secret));
    else {
      const w = warningsText(secret.warnings);
      if (w) this.err(w);
      const t = secretTable(secret);
      if (t) this.out(t);
    }
    return EXIT_OK;
  }

  /** Prints a plain value (a map as a `Key Value` table, a list as `Keys`). */
  printData(data: unknown): number {
    const bad = this.checkFormat();
    if (bad !== undefined) return bad;
    if (this.format === 'json' || this.format === 'raw') this.out(jsonText(data));
    else if (this.format === 'yaml' || this.format === 'yml') this.out(yamlText(data));
    else if (Array.isArray(data)) this.out(listTable(data.map(String)));
    else if (isObject(data)) {
      const t = mapTable(data);
      if (t) this.out(t);
    } else this.out(String(data));
    return EXIT_OK;
  }

  /** Prints a list answer (`Keys` table; JSON/YAML print the keys array). Warnings go to stderr. */
  printList(keys: string[], secret?: SecretResponse | null): number {
    const bad = this.checkFormat();
    if (bad !== undefined) return bad;
    if (this.format === 'table') {
      const w = warningsText(secret?.warnings);
      if (w) this.err(w);
    }
    return this.printData(keys);
  }

  /** `-field`: prints one field of an answer (or of a map). Exit 1 when absent. */
  printField(source: SecretResponse | Record<string, unknown>, field: string, isSecret = true): number {
    const value = isSecret ? rawField(source as SecretResponse, field) : source[field];
    if (value === undefined || value === null) {
      this.err(`Field "${field}" not present in secret`);
      return EXIT_LOCAL;
    }
    const bad = this.checkFormat();
    if (bad !== undefined) return bad;
    this.raw(fieldText(value, this.format));
    return EXIT_OK;
  }

  /** Prints a secret, or only `-field` of it when that flag is set. */
  printSecretOrField(secret: SecretResponse): number {
    const field = this.flags.str('field');
    if (field) return this.printField(secret, field);
    return this.printSecret(secret);
  }

  /**
   * Reports an error the Vault way (`<prefix>: <error>`) and returns the exit code: 2 for server
   * and connection errors, 2 for usage errors, 1 for anything else local.
   */
  fail(prefix: string, e: unknown): number {
    if (e instanceof KeepApiError || e instanceof KeepConnectionError) {
      this.err(`${prefix}: ${e.message}`);
      return EXIT_REMOTE;
    }
    if (e instanceof UsageError) {
      this.err(e.message);
      return EXIT_USAGE;
    }
    if (e instanceof KvUnsupportedError) {
      this.err(e.message);
      return EXIT_REMOTE;
    }
    this.err(`${prefix}: ${e instanceof Error ? e.message : String(e)}`);
    return EXIT_LOCAL;
  }
}

/** Checks the number of positional arguments. @throws UsageError */
export function expectArgs(args: string[], min: number, max: number = min): void {
  if (args.length < min) throw new UsageError(`Not enough arguments (expected ${min === max ? min : `${min}-${max}`}, got ${args.length})`);
  if (args.length > max) throw new UsageError(`Too many arguments (expected ${min === max ? max : `${min}-${max}`}, got ${args.length})`);
}
