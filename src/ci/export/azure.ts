/**
 * Azure Pipelines logging commands: `##vso[task.setsecret]` masks a value, and
 * `##vso[task.setvariable variable=NAME;issecret=true]` hands one to later steps (as a secret
 * variable, which later steps map into their environment explicitly). Escaped as the task library
 * does.
 */
import { maskLines } from './github.ts';

/** Data escaping: `%` -> `%AZP25`, CR -> `%0D`, LF -> `%0A`. */
export function escapeAzureData(s: string): string {
  return s.replaceAll('%', '%AZP25').replaceAll('\r', '%0D').replaceAll('\n', '%0A');
}

/** Property escaping: data escaping plus `]` -> `%5D` and `;` -> `%3B`. */
export function escapeAzureProperty(s: string): string {
  return escapeAzureData(s).replaceAll(']', '%5D').replaceAll(';', '%3B');
}

/** `##vso[task.setsecret]<line>` for every non-empty line of every value. */
export function azureMaskCommands(values: string[]): string {
  let out = '';
  for (const v of values) for (const line of maskLines(v)) out += `##vso[task.setsecret]${escapeAzureData(line)}\n`;
  return out;
}

/** `##vso[task.setvariable variable=NAME;issecret=true]value` */
export function azureSetVariable(name: string, value: string, secret: boolean): string {
  return `##vso[task.setvariable variable=${escapeAzureProperty(name)};issecret=${secret ? 'true' : 'false'}]${escapeAzureData(value)}\n`;
}
