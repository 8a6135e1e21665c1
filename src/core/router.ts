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

  add(route: Route): void {
    this.routes.set(route.prefix, route);
  }

  remove(prefix: string): Route | undefined {
    const r = this.routes.get(prefix);
    this.routes.delete(prefix);
    return r;
  }

  get(prefix: string): Route | undefined {
    return this.routes.get(prefix);
  }

  all(): Route[] {
    return [...this.routes.values()];
  }

  /** The mount of a request path; `secret` (no slash) reaches mount `secret/`. */
  match(path: string): Route | undefined {
    const exact = this.routes.get(path.endsWith('/') ? path : `${path}/`);
    if (exact) return exact;
    for (let i = path.lastIndexOf('/'); i > 0; i = path.lastIndexOf('/', i - 1)) {
      const r = this.routes.get(path.slice(0, i + 1));
      if (r) return r;
    }
    return undefined;
  }
}
