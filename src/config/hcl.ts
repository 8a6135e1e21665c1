/**
 * Parsing of config text: HCL (v1, through js-hcl-parser) or JSON. js-hcl-parser answers with
 * JSON text (blocks as lists of single-key objects) or an error string carrying the position.
 */
import { createRequire } from 'node:module';

interface HclModule {
  parse(text: string): string;
}

const hcl = createRequire(import.meta.url)('js-hcl-parser') as HclModule;

/** Parses HCL or JSON config text. @throws Error with the position (`At 3:1: ...`). */
export function parseConfigText(text: string, json: boolean): unknown {
  if (json) {
    try {
      return JSON.parse(text) as unknown;
    } catch (e) {
      throw new Error(`invalid JSON: ${(e as Error).message}`);
    }
  }
  const out = hcl.parse(text);
  const prefix = 'unable to parse JSON: ';
  if (out.startsWith(prefix)) throw new Error(`invalid HCL: ${out.slice(prefix.length)}`);
  try {
    return JSON.parse(out) as unknown;
  } catch {
    throw new Error(`invalid HCL: ${out}`);
  }
}
