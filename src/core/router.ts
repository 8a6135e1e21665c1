/**
 * Routes a request path to its mount by longest prefix (spec/core.md 1.1). Lookups walk the
 * path's '/' positions from the longest prefix down: O(segments), independent of mount count.
 */
import type { StorageView } from '../barrier/storage-view.ts';
import type { CompiledBackend } from '../framework/router.ts';
import type { Backend, MountInfo } from '../framework/types.ts';
import type { MountEntry, MountKind } from './contracts.ts';

export interface Route {
  kind: MountKind;
  entry: MountEntry;
  /** Full request-path prefix: `secret/`, `auth/jwt/`. */
  prefix: string;
  backend: Backend;
  compiled: CompiledBackend;
  storage: StorageView;
  mount: MountInfo;
}

export class Router {
  private readonly routes = new Map<string, Route>();
  /** Distinct prefix lengths of the routes, longest first. */
  private lengths: number[] = [];

  add(route: Route): void {
    this.routes.set(route.prefix, route);
    this.indexLengths();
  }

  remove(prefix: string): Route | undefined {
    const r = this.routes.get(prefix);
    this.routes.delete(prefix);
    this.indexLengths();
    return r;
  }

  private indexLengths(): void {
    const set = new Set<number>();
    for (const prefix of this.routes.keys()) set.add(prefix.length);
    this.lengths = [...set].sort((a, b) => b - a);
  }

  get(prefix: string): Route | undefined {
    return this.routes.get(prefix);
  }

  all(): Route[] {
    return [...this.routes.values()];
  }

  /** The mount of a request path; `secret` (no slash) reaches mount `secret/`. */
  match(path: string): Route | undefined {
    // Candidates, longest first: the path itself with a '/' appended, then every prefix of it
    // ending at a '/' (not the one at index 0); only lengths some route has are looked up.
    const slashEnded = path.endsWith('/');
    const exactLength = slashEnded ? path.length : path.length + 1;
    if (this.lengths.includes(exactLength)) {
      const exact = this.routes.get(slashEnded ? path : `${path}/`);
      if (exact) return exact;
    }
    for (const len of this.lengths) {
      if (len >= exactLength || len < 2) continue;
      if (path.charCodeAt(len - 1) !== 47 /* / */) continue;
      const r = this.routes.get(path.slice(0, len));
      if (r) return r;
    }
    return undefined;
  }
}
