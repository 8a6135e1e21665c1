/**
 * Decision traces. The validation pipeline reports every check to a Trace. A login trace throws
 * the KeepError of the first failure (cheap: details are never computed); an explain trace
 * records every check with its expected and actual values and carries on, unless the failure
 * leaves nothing to evaluate (fatal).
 */
import { loginError, type Failure, type ReasonCode } from './reasons.ts';

export interface CheckDetails {
  claim?: string;
  expected?: unknown;
  actual?: unknown;
}

export interface TraceEntry {
  check: string;
  claim: string | null;
  expected: unknown;
  actual: unknown;
  passed: boolean;
  reason_code?: ReasonCode;
  message?: string;
}

/** Thrown by an explain trace on a fatal failure: the rest of the pipeline cannot run. */
export class TraceStopped extends Error {
  constructor() {
    super('trace stopped');
  }
}

export class Trace {
  readonly entries: TraceEntry[] = [];
  /** The first failure (what a login would have answered). */
  first?: Failure;

  constructor(
    readonly mode: 'login' | 'explain',
    readonly role: string | undefined,
  ) {}

  get explaining(): boolean {
    return this.mode === 'explain';
  }

  pass(check: string, details?: () => CheckDetails): void {
    if (this.mode === 'explain') this.record(check, true, details?.());
  }

  /** A failed check: a login stops here; an explain trace records it and goes on. */
  fail(check: string, failure: Failure, details?: () => CheckDetails): void {
    if (this.mode === 'login') throw loginError(failure, this.role);
    this.first ??= failure;
    this.record(check, false, { claim: failure.claim, ...details?.() }, failure);
  }

  /** A failed check after which nothing can be evaluated (both modes stop). */
  fatal(check: string, failure: Failure, details?: () => CheckDetails): never {
    this.fail(check, failure, details);
    throw new TraceStopped();
  }

  check(check: string, ok: boolean, failure: () => Failure, details?: () => CheckDetails): boolean {
    if (ok) this.pass(check, details);
    else this.fail(check, failure(), details);
    return ok;
  }

  private record(check: string, passed: boolean, d: CheckDetails | undefined, failure?: Failure): void {
    const entry: TraceEntry = {
      check,
      claim: d?.claim ?? null,
      expected: d?.expected ?? null,
      actual: d?.actual ?? null,
      passed,
    };
    if (failure) {
      entry.reason_code = failure.code;
      entry.message = failure.message;
    }
    this.entries.push(entry);
  }
}
