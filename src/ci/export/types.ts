/**
 * What the exporters take: variables to hand to later steps (or print), and how.
 */

/** `auto`: the platform's own mechanism; the others print the variables on stdout in that format. */
export type ExportFormat = 'auto' | 'env' | 'dotenv' | 'json' | 'shell';

export const EXPORT_FORMATS: readonly ExportFormat[] = ['auto', 'env', 'dotenv', 'json', 'shell'];

/** One variable. */
export interface ExportItem {
  /** Environment variable name. */
  envName: string;
  /** GitHub step output name; absent: no output. */
  outputName?: string;
  value: string;
  /** False for values that are not secret (no mask, Azure `issecret=false`). Default true. */
  secret?: boolean;
}

/** How to export. */
export interface ExportOptions {
  format: ExportFormat;
  /** Hand the variables to later steps' environments (vault-action `exportEnv`). Default true. */
  exportEnv?: boolean;
  /** GitHub: also write step outputs (GITHUB_OUTPUT) for items with an `outputName`. Default true. */
  outputs?: boolean;
}
