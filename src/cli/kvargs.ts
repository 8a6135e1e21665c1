/**
 * `key=value` arguments as the Vault CLI reads them:
 * - `k=v` sets a string; a repeated key turns the value into a list;
 * - `k=@file` reads the value from a file (`k=\@x` is the literal `@x`);
 * - `k=-` reads the value from stdin;
 * - `-` alone reads a JSON object from stdin and merges its keys (numbers kept exactly).
 * stdin can be consumed once per command.
 */
import { readFile } from 'node:fs/promises';
import { parseJson } from '../client/json.ts';
import { UsageError } from './flags.ts';

/** What the parser needs from its surroundings. */
export interface KvArgsSource {
  readStdin(): Promise<string>;
  readFile?(path: string): Promise<string>;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Parses `key=value` arguments into an object.
 * @throws UsageError for a malformed pair, unreadable file, bad stdin JSON or a second stdin use.
 */
export async function parseKvArgs(args: string[], src: KvArgsSource): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  let stdinUsed = false;
  const stdin = async (): Promise<string> => {
    if (stdinUsed) throw new UsageError('stdin already consumed');
    stdinUsed = true;
    return src.readStdin();
  };
  const add = (key: string, value: unknown): void => {
    if (Object.prototype.hasOwnProperty.call(out, key)) {
      const prev = out[key];
      out[key] = Array.isArray(prev) ? [...prev, value] : [prev, value];
    } else {
      out[key] = value;
    }
  };
  const read = src.readFile ?? ((p: string) => readFile(p, 'utf8'));
  for (const arg of args) {
    if (arg === '-') {
      const text = await stdin();
      let parsed: unknown;
      try {
        parsed = parseJson(text);
      } catch (e) {
        throw new UsageError(`failed to parse JSON from stdin: ${(e as Error).message}`);
      }
      if (!isObject(parsed)) throw new UsageError('failed to parse JSON from stdin: expected a JSON object');
      for (const [k, v] of Object.entries(parsed)) add(k, v);
      continue;
    }
    if (arg.startsWith('@') && !arg.includes('=')) {
      // `@file.json`: the file's JSON object is the data, as with `vault write path @file.json`.
      const file = arg.slice(1);
      if (file === '') throw new UsageError(`invalid argument "${arg}": missing file name after @`);
      let text: string;
      try {
        text = await read(file);
      } catch (e) {
        throw new UsageError(`error reading file "${file}": ${(e as Error).message}`);
      }
      let parsed: unknown;
      try {
        parsed = parseJson(text);
      } catch (e) {
        throw new UsageError(`failed to parse JSON from "${file}": ${(e as Error).message}`);
      }
      if (!isObject(parsed)) throw new UsageError(`failed to parse JSON from "${file}": expected a JSON object`);
      for (const [k, v] of Object.entries(parsed)) add(k, v);
      continue;
    }
    const eq = arg.indexOf('=');
    if (eq <= 0) throw new UsageError(`invalid key/value pair "${arg}": format must be key=value`);
    const key = arg.slice(0, eq);
    let value = arg.slice(eq + 1);
    if (value === '-') {
      value = await stdin();
    } else if (value.startsWith('@')) {
      const file = value.slice(1);
      if (file === '') throw new UsageError(`invalid key/value pair "${arg}": missing file name after @`);
      try {
        value = await read(file);
      } catch (e) {
        throw new UsageError(`error reading file "${file}" for key "${key}": ${(e as Error).message}`);
      }
    } else if (value.startsWith('\\@')) {
      value = value.slice(1);
    }
    add(key, value);
  }
  return out;
}

/** Parses `k=v` strings into a string map (for `-metadata`, `-options`, `-custom-metadata`). */
export function parseStringPairs(items: string[], flag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of items) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new UsageError(`invalid value "${item}" for -${flag}: format must be key=value`);
    out[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return out;
}
