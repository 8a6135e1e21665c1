/**
 * `keep ci`: the CI runner. Platform detection and job tokens, vault-action's `secrets` syntax,
 * exporters with masking, and the login/secrets/exec/revoke commands that the CLI, the GitHub
 * Action, the CircleCI orb and the GitLab template call. Talks to Keep only through src/client.
 *
 * @packageDocumentation
 */
export { ciExec, ciLogin, ciRevoke, ciSecrets } from './commands.ts';
export type { CiOptions } from './commands.ts';
export { CI_EXIT_LOCAL, CI_EXIT_REMOTE, CiError, rejectionText } from './errors.ts';
export { exitCodeOf, processCiEnv, runCaptured, spawnInherited } from './env.ts';
export type { ChildExit, CiEnv, RunResult } from './env.ts';
export { CI_PLATFORMS, PLATFORM_NAMES, detectPlatform, isCiPlatform, jobToken, jobTokenSource, resolvePlatform } from './platform.ts';
export type { CiPlatform, JobTokenOptions, JobTokenSource } from './platform.ts';
export { parseSecretsSpec } from './spec.ts';
export type { SecretRequest } from './spec.ts';
export { selectValues } from './select.ts';
export type { SecretValue } from './select.ts';
export { isEnvName, isShellName, normalizeOutputKey } from './names.ts';
export { EXPORT_FORMATS, exportItems, maskValues } from './export/index.ts';
export type { ExportFormat, ExportItem, ExportOptions, ExportReport } from './export/index.ts';
export { GITHUB_STATE_TOKEN, ROLE_MARKER_VAR, TOKEN_VAR, VAULT_TOKEN_VAR, clearToken, findToken, reusableToken, saveToken } from './token-state.ts';
export { readSecrets } from './read.ts';
export { loginRetryKind, openSession } from './session.ts';
