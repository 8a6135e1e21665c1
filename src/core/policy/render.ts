/**
 * Renders policies for a would-be token (the JWT explain endpoint): each policy's paths with
 * templated parameters resolved against the token metadata, exactly as a request would see
 * them. Paths whose templates cannot be resolved are dropped, as at request time.
 */
import type { IdentityContext } from '../contracts.ts';
import { parsePolicy } from './parse.ts';
import type { PolicyStore } from './store.ts';
import { resolveTemplate } from './template.ts';

export interface RenderedPolicy {
  policy: string;
  /** True when no policy of this name exists (it grants nothing). */
  missing?: boolean;
  paths: Array<{ path: string; capabilities: string[] }>;
}

export async function renderPolicies(store: PolicyStore, names: string[], identity: IdentityContext): Promise<RenderedPolicy[]> {
  const out: RenderedPolicy[] = [];
  for (const name of names) {
    if (name === 'root') {
      out.push({ policy: 'root', paths: [{ path: '*', capabilities: ['root'] }] });
      continue;
    }
    const text = await store.get(name);
    if (text === undefined) {
      out.push({ policy: name, missing: true, paths: [] });
      continue;
    }
    const paths: RenderedPolicy['paths'] = [];
    for (const rule of parsePolicy(text).rules) {
      const path = rule.templated ? resolveTemplate(rule.path, identity) : rule.path;
      if (path !== undefined) paths.push({ path, capabilities: [...rule.capabilities] });
    }
    out.push({ policy: name, paths });
  }
  return out;
}
