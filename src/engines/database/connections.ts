/**
 * The live plugin object (and its pool) of each connection config. Opened on first use (with a
 * verifying connect, like Vault), replaced when the config is written, closed when it is deleted or
 * reset and when the mount goes away. A replaced or removed plugin is closed once the calls that
 * were using it have finished.
 */
import type { Logger } from '../../framework/types.ts';
import type { ConfigStore } from './config-store.ts';
import type { DatabasePlugin } from './plugin.ts';
import { errorMessage, redact } from './redact.ts';

export type PluginFactory = (pluginName: string) => DatabasePlugin;

interface Entry {
  ready: Promise<DatabasePlugin>;
  /** Calls using the plugin right now. */
  refs: number;
  /** No longer the current plugin of its connection: close when idle. */
  retired: boolean;
  closed: boolean;
  closing?: Promise<void>;
}

export class Connections {
  private readonly entries = new Map<string, Entry>();
  private readonly closings = new Set<Promise<void>>();

  constructor(
    private readonly configs: ConfigStore,
    private readonly factory: PluginFactory,
    private readonly logger: Logger,
  ) {}

  /** Runs `fn` with the connection's plugin, opening it first when needed. */
  async use<T>(name: string, fn: (plugin: DatabasePlugin) => Promise<T>): Promise<T> {
    const entry = this.entries.get(name) ?? this.open(name);
    entry.refs++;
    try {
      const plugin = await entry.ready;
      return await fn(plugin);
    } finally {
      entry.refs--;
      if (entry.retired && entry.refs === 0) this.close(entry, name);
    }
  }

  /** Makes `plugin` (already initialized) the connection's plugin; the previous one is closed. */
  install(name: string, plugin: DatabasePlugin): void {
    const previous = this.entries.get(name);
    this.entries.set(name, { ready: Promise.resolve(plugin), refs: 0, retired: false, closed: false });
    if (previous) this.retire(previous, name);
  }

  /** Forgets the connection's plugin (closed when idle); the next use opens a new one. */
  remove(name: string): void {
    const previous = this.entries.get(name);
    if (!previous) return;
    this.entries.delete(name);
    this.retire(previous, name);
  }

  /** True when a plugin object is held for `name` (tests). */
  has(name: string): boolean {
    return this.entries.has(name);
  }

  /** Closes every plugin (mount disabled, server shutdown) and waits for the closes. */
  async closeAll(): Promise<void> {
    for (const [name, entry] of this.entries) {
      entry.retired = true;
      this.close(entry, name);
    }
    this.entries.clear();
    await Promise.allSettled([...this.closings]);
  }

  private open(name: string): Entry {
    const ready = (async () => {
      const cfg = await this.configs.require(name);
      const plugin = this.factory(cfg.plugin_name);
      try {
        await plugin.initialize(cfg.connection_details, true);
      } catch (e) {
        await plugin.close().catch(() => undefined);
        const pw = cfg.connection_details.password;
        throw new Error(redact(errorMessage(e), [typeof pw === 'string' ? pw : undefined]), { cause: e });
      }
      return plugin;
    })();
    const entry: Entry = { ready, refs: 0, retired: false, closed: false };
    // A failed open is not cached: the next use tries again.
    entry.ready.catch(() => {
      entry.closed = true;
      if (this.entries.get(name) === entry) this.entries.delete(name);
    });
    this.entries.set(name, entry);
    return entry;
  }

  private retire(entry: Entry, name: string): void {
    entry.retired = true;
    if (entry.refs === 0) this.close(entry, name);
  }

  private close(entry: Entry, name: string): void {
    if (entry.closed) return;
    entry.closed = true;
    const closing = entry.ready
      .then((plugin) => plugin.close())
      .catch((e: unknown) => {
        // A plugin that never opened has nothing to close; a failing close is only logged.
        this.logger.warn('database: closing a connection failed', { connection: name, error: errorMessage(e) });
      })
      .finally(() => this.closings.delete(closing));
    this.closings.add(closing);
  }
}
