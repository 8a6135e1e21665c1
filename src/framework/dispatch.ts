/**
 * Runs one logical request against a compiled backend: path match (404 `unsupported path`),
 * operation lookup (405 `unsupported operation`), field coercion (URL captures win over body),
 * existence check, the handler, and the unrecognized-parameters warning.
 */
import { unsupportedOperation, unsupportedPath } from '../errors.ts';
import { coerceFields, unrecognizedKeys, unrecognizedWarning, type CoercedFields } from './fields.ts';
import type { CompiledBackend } from './router.ts';
import type { FieldValues, Fields, LogicalResponse, Operation, OperationSpec, PathDef, RequestContext } from './types.ts';

export type BaseContext = Omit<RequestContext, 'fields' | 'supplied'>;

export interface Prepared {
  def: PathDef;
  /** URL captures of the matched pattern. */
  captures: Record<string, string>;
  hasExistenceCheck: boolean;
  /** Runs the path's existence check (true when it has none: the operation stays update). */
  exists(): Promise<boolean>;
  /** The path declares `op` (create and update stand in for each other). */
  supports(op: Operation): boolean;
  /** Coerces fields for `op`, calls its handler, adds the ignored-parameters warning. */
  execute(op: Operation): Promise<LogicalResponse | undefined>;
}

/** The handler spec of `op`; create falls back to update and update to create. */
export function operationSpec(def: PathDef, op: Operation): OperationSpec<Fields> | undefined {
  const ops = def.operations;
  const spec = ops[op];
  if (spec) return spec;
  if (op === 'create') return ops.update;
  if (op === 'update') return ops.create;
  return undefined;
}

const NO_FIELDS: Readonly<Record<string, unknown>> = Object.freeze({});
const NO_SUPPLIED: ReadonlySet<string> = new Set<string>();

class PreparedRequest implements Prepared {
  readonly hasExistenceCheck: boolean;
  /** URL captures (they win over the request data), or undefined when there are none. */
  private readonly overrides: Record<string, string> | undefined;
  private loose: CoercedFields | undefined;
  /**
   * The one context of this request, handed to the existence check and then to the handler with
   * its operation, fields and supplied set set for each call.
   */
  private readonly ctx: RequestContext;

  constructor(
    readonly def: PathDef,
    readonly captures: Record<string, string>,
    private readonly base: BaseContext,
  ) {
    this.hasExistenceCheck = def.existenceCheck !== undefined;
    this.overrides = hasKeys(captures) ? captures : undefined;
    this.ctx = {
      requestId: base.requestId,
      operation: base.operation,
      path: base.path,
      fullPath: base.fullPath,
      fields: NO_FIELDS as FieldValues<Fields>,
      supplied: NO_SUPPLIED,
      raw: base.raw,
      storage: base.storage,
      mount: base.mount,
      caller: base.caller,
      clientToken: base.clientToken,
      remoteAddress: base.remoteAddress,
      wrapTTL: base.wrapTTL,
      headers: base.headers,
      memo: base.memo ?? (this.hasExistenceCheck ? new Map<string, unknown>() : undefined),
    };
  }

  supports(op: Operation): boolean {
    return operationSpec(this.def, op) !== undefined;
  }

  async exists(): Promise<boolean> {
    const check = this.def.existenceCheck;
    if (!check) return true;
    const coerced = this.coerce(false);
    return check(this.context(this.base.operation, coerced));
  }

  async execute(op: Operation): Promise<LogicalResponse | undefined> {
    const spec = operationSpec(this.def, op);
    if (!spec) throw unsupportedOperation();
    const coerced = this.coerce(op === 'create' || op === 'update');
    const response = await spec.handler(this.context(op, coerced));
    if (response && !response.raw && !this.def.takesArbitraryInput) {
      const ignored = unrecognizedKeys(this.def.fields, this.base.raw, this.captures);
      if (ignored.length > 0) {
        response.warnings = [...(response.warnings ?? []), unrecognizedWarning(ignored)];
      }
    }
    return response;
  }

  private coerce(enforceRequired: boolean): CoercedFields {
    const overrides = this.overrides;
    if (enforceRequired) return coerceFields(this.def.fields, this.base.raw, { enforceRequired: true, overrides });
    this.loose ??= coerceFields(this.def.fields, this.base.raw, { enforceRequired: false, overrides });
    return this.loose;
  }

  private context(op: Operation, coerced: CoercedFields): RequestContext {
    const ctx = this.ctx;
    ctx.operation = op;
    ctx.fields = coerced.values as FieldValues<Fields>;
    ctx.supplied = coerced.supplied;
    return ctx;
  }
}

function hasKeys(o: Record<string, string>): boolean {
  for (const _ in o) return true;
  return false;
}

/** Matches the request path; throws 404 `unsupported path` when no pattern matches. */
export function prepare(cb: CompiledBackend, base: BaseContext): Prepared {
  const match = cb.route(base.path);
  if (!match) throw unsupportedPath();
  return new PreparedRequest(match.def, match.captures, base);
}
