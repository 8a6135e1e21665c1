/**
 * The worker's schedule: one pass at a time (explicit runOnce calls queue behind the running
 * one), a pass every `intervalMs` once started (unref'd timer: it never keeps a process alive),
 * and a prompt pass after something was marked due.
 */
import type { Logger } from '../../framework/types.ts';
import { errorText } from './engine.ts';

export class WorkerLoop {
  private started = false;
  private stopRequested = false;
  private kicked = false;
  private timer: NodeJS.Timeout | undefined;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly o: {
      intervalMs: number;
      pass: () => Promise<number>;
      logger: Logger;
    },
  ) {}

  /** True while stop() waits: a pass ends after its current batch. */
  get stopping(): boolean {
    return this.stopRequested;
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.stopRequested = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.started = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.stopRequested = true;
    try {
      await this.chain;
    } finally {
      this.stopRequested = false;
    }
  }

  runOnce(): Promise<number> {
    const run = this.chain.then(() => this.o.pass());
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** Asks for a pass soon. */
  kick(): void {
    if (!this.started) return;
    this.kicked = true;
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
      this.schedule(0);
    }
  }

  private schedule(delay: number): void {
    if (!this.started || this.timer) return;
    this.timer = setTimeout(() => void this.tick(), delay);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    this.timer = undefined;
    this.kicked = false;
    try {
      await this.runOnce();
    } catch (e) {
      this.o.logger.error('expiration: worker pass failed', { error: errorText(e) });
    }
    this.schedule(this.kicked ? 0 : this.o.intervalMs);
  }
}
