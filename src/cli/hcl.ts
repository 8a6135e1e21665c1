/**
 * HCL (v1) parsing through js-hcl-parser, which returns JSON text (Go's decoding: blocks become
 * lists of single-key objects) or an error string `unable to parse JSON: At L:C: ...`.
 */
import { createRequire } from 'node:module';

interface HclModule {
  parse(text: string): string;
}

const hcl = createRequire(import.meta.url)('js-hcl-parser') as HclModule;

/** Parses HCL or JSON text. @throws Error whose message carries the position (`At 3:1: ...`). */
export function parseHcl(text: string): unknown {
  const out = hcl.parse(text);
  const prefix = 'unable to parse JSON: ';
  if (out.startsWith(prefix)) throw new Error(out.slice(prefix.length));
  try {
    return JSON.parse(out) as unknown;
  } catch {
    throw new Error(out);
  }
}
