/**
 * Durations as Vault reads and prints them (spec/core.md 1.5): seconds as integers, digit strings,
 * `<n>d`, or Go duration strings; printed Go-style (`1h30m`, `45s`, `0s`).
 */
const UNIT_NS: Record<string, number> = {
  ns: 1e-9,
  us: 1e-6,
  'µs': 1e-6,
  'μs': 1e-6,
  ms: 1e-3,
  s: 1,
  m: 60,
  h: 3600,
};

/**
 * Parses a duration to whole seconds (truncated). Throws an Error with a Go-like message on bad
 * input. Numbers must be integers; `""` is 0. Negative values are returned as negative; callers
 * that forbid them check the sign.
 */
export function parseDuration(input: string | number): number {
  if (typeof input === 'number') {
    if (!Number.isInteger(input)) throw new Error(`invalid duration "${input}"`);
    return input;
  }
  const s = input.trim();
  if (s === '') return 0;
  if (/^[-+]?\d+$/.test(s)) return Number.parseInt(s, 10);
  const days = /^([-+]?)(\d+)d$/.exec(s);
  if (days) return (days[1] === '-' ? -1 : 1) * Number.parseInt(days[2], 10) * 86400;
  return parseGoDuration(s);
}

function parseGoDuration(s: string): number {
  let rest = s;
  let sign = 1;
  if (rest[0] === '-' || rest[0] === '+') {
    if (rest[0] === '-') sign = -1;
    rest = rest.slice(1);
  }
  if (rest === '0') return 0;
  if (rest === '') throw new Error(`time: invalid duration "${s}"`);
  let total = 0;
  const re = /^(\d*)(?:\.(\d*))?(ns|us|µs|μs|ms|s|m|h)/;
  while (rest.length > 0) {
    const m = re.exec(rest);
    if (!m || (m[1] === '' && (m[2] === undefined || m[2] === ''))) {
      if (/^[\d.]+$/.test(rest)) throw new Error(`time: missing unit in duration "${s}"`);
      if (/^[\d.]+/.test(rest)) {
        const unit = rest.replace(/^[\d.]+/, '');
        throw new Error(`time: unknown unit "${unit}" in duration "${s}"`);
      }
      throw new Error(`time: invalid duration "${s}"`);
    }
    const whole = m[1] === '' ? 0 : Number(m[1]);
    const frac = m[2] ? Number(`0.${m[2]}`) : 0;
    total += (whole + frac) * UNIT_NS[m[3]];
    rest = rest.slice(m[0].length);
  }
  return sign * Math.trunc(total + 1e-9);
}

/** Go's time.Duration.String() for whole seconds: `0s`, `45s`, `1m30s`, `1h0m0s` trimmed as Vault's warnings use it. */
export function formatGoDuration(seconds: number): string {
  if (seconds === 0) return '0s';
  const neg = seconds < 0;
  let n = Math.abs(Math.trunc(seconds));
  const h = Math.floor(n / 3600);
  n -= h * 3600;
  const m = Math.floor(n / 60);
  const sec = n - m * 60;
  let out = '';
  if (h > 0) out += `${h}h${m}m${sec}s`;
  else if (m > 0) out += `${m}m${sec}s`;
  else out += `${sec}s`;
  return (neg ? '-' : '') + out;
}

/** Vault's humanized form without zero units (`1h`, `1h30m`, `9m58s`), used in TTL warnings. */
export function formatShortDuration(seconds: number): string {
  const full = formatGoDuration(seconds);
  if (full === '0s') return full;
  const trimmed = full.replace(/(\D)0m0s$/, '$1').replace(/(\D)0s$/, '$1').replace(/^0m/, '');
  return trimmed;
}
