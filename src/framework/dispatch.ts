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

class PreparedRequest implements Prepared {
  readonly hasExistenceCheck: boolean;
  private readonly input: Record<string, unknown>;
  private loose: CoercedFields | undefined;

  constructor(
    readonly def: PathDef,
    readonly captures: Record<string, string>,
    private readonly base: BaseContext,
  ) {
    this.hasExistenceCheck = def.existenceCheck !== undefined;
    this.input = mergeInput(base.raw, captures);
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
    if (enforceRequired) return coerceFields(this.def.fields, this.input, { enforceRequired: true });
    this.loose ??= coerceFields(this.def.fields, this.input, { enforceRequired: false });
    return this.loose;
  }

  private context(op: Operation, coerced: CoercedFields): RequestContext {
    return {
      ...this.base,
      operation: op,
      fields: coerced.values as FieldValues<Fields>,
      supplied: coerced.supplied,
    };
  }
}

function mergeInput(raw: Record<string, unknown>, captures: Record<string, string>): Record<string, unknown> {
  let hasCaptures = false;
  for (const _ in captures) {
    hasCaptures = true;
    break;
  }
  if (!hasCaptures) return raw;
  return { ...raw, ...captures };
}

/** Matches the request path; throws 404 `unsupported path` when no pattern matches. */
export function prepare(cb: CompiledBackend, base: BaseContext): Prepared {
  const match = cb.route(base.path);
  if (!match) throw unsupportedPath();
  return new PreparedRequest(match.def, match.captures, base);
}
