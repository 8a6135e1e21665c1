/**
 * Relative path handling (spec/core.md 1.1): Go's HTTP mux answers a raw path holding `.`/`..`
 * segments or `//` with a 301 to the cleaned path; percent-encoded dot segments that survive to
 * a logical path are rejected with 400 `relative paths not supported`.
 */

/** The raw URL path needs Go's mux cleaning (`//`, `/./`, `/../`, trailing `/.` or `/..`). */
export function needsCleaning(rawPath: string): boolean {
  if (rawPath.indexOf('//') !== -1) return true;
  if (rawPath.indexOf('/.') === -1) return false;
  return /\/\.\.?(\/|$)/.test(rawPath);
}

/** Go's path.Clean, keeping a trailing slash as the mux does. */
export function cleanPath(p: string): string {
  if (p === '') return '/';
  const rooted = p.startsWith('/') ? p : `/${p}`;
  const out: string[] = [];
  for (const seg of rooted.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      out.pop();
      continue;
    }
    out.push(seg);
  }
  let cleaned = `/${out.join('/')}`;
  if (rooted.endsWith('/') && cleaned !== '/') cleaned += '/';
  return cleaned;
}

/** A decoded logical path with a `.` or `..` segment. */
export function hasDotSegment(path: string): boolean {
  if (path.indexOf('.') === -1) return false;
  for (const seg of path.split('/')) if (seg === '.' || seg === '..') return true;
  return false;
}
