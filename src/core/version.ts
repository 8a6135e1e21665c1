/** Keep's version as reported by seal-status and health (semver-looking, as Vault clients expect). */
export const KEEP_VERSION = '1.18.0+keep.0.1.0';
export const BUILD_DATE = '2026-11-22T00:00:00Z';
