/**
 * A small 5-field cron evaluator for static-role `rotation_schedule` (spec/dynamic.md 2.9),
 * evaluated in UTC with minute resolution.
 *
 * Fields: minute (0-59), hour (0-23), day of month (1-31), month (1-12 or jan-dec), day of week
 * (0-6 or sun-sat; 7 is also Sunday). Each field is a comma list of items; an item is `*` (or `?`),
 * `N`, `N-M`, optionally followed by `/STEP`; `N/STEP` means `N-<max>/STEP`.
 * Like the classic cron (and Vault's parser): when both day fields are restricted, a day matches
 * if either matches; when one of them is `*`, both must match. Not supported: `L`, `W`, `#`,
 * seconds, and `@daily`-style descriptors.
 */

export interface CronSchedule {
  readonly source: string;
  readonly minute: readonly boolean[];
  readonly hour: readonly boolean[];
  readonly dom: readonly boolean[];
  readonly month: readonly boolean[];
  readonly dow: readonly boolean[];
  /** The field was `*`/`?` (no restriction), which changes how the two day fields combine. */
  readonly domStar: boolean;
  readonly dowStar: boolean;
}

interface FieldRange {
  name: string;
  min: number;
  max: number;
  names?: readonly string[];
  /** First name maps to this number (months start at 1). */
  nameBase?: number;
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

const FIELDS: readonly FieldRange[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTHS, nameBase: 1 },
  { name: 'day of week', min: 0, max: 7, names: DAYS, nameBase: 0 },
];

function parseNumber(text: string, r: FieldRange): number {
  const lower = text.toLowerCase();
  if (r.names) {
    const i = r.names.indexOf(lower);
    if (i >= 0) return i + (r.nameBase ?? 0);
  }
  if (!/^\d+$/.test(text)) throw new Error(`failed to parse int from ${text}`);
  return Number.parseInt(text, 10);
}

function parseField(text: string, r: FieldRange): { bits: boolean[]; star: boolean } {
  const bits = new Array<boolean>(r.max + 1).fill(false);
  let star = false;
  for (const item of text.split(',')) {
    const [range, stepText, extra] = item.split('/');
    if (extra !== undefined || range === '') throw new Error(`invalid ${r.name} item "${item}"`);
    let lo: number;
    let hi: number;
    let isStar = false;
    if (range === '*' || range === '?') {
      lo = r.min;
      hi = r.max === 7 ? 6 : r.max;
      isStar = true;
    } else {
      const bounds = range.split('-');
      if (bounds.length > 2) throw new Error(`too many hyphens: ${range}`);
      lo = parseNumber(bounds[0], r);
      hi = bounds.length === 2 ? parseNumber(bounds[1], r) : lo;
    }
    let step = 1;
    if (stepText !== undefined) {
      if (!/^\d+$/.test(stepText) || Number.parseInt(stepText, 10) <= 0) {
        throw new Error(`step of range should be a positive number: ${stepText}`);
      }
      step = Number.parseInt(stepText, 10);
      // `N/STEP` runs from N to the end of the range.
      if (!isStar && !range.includes('-')) hi = r.max === 7 ? 6 : r.max;
      if (step > 1) isStar = false;
    }
    if (lo < r.min) throw new Error(`beginning of range (${lo}) below minimum (${r.min}): ${item}`);
    if (hi > r.max) throw new Error(`end of range (${hi}) above maximum (${r.max}): ${item}`);
    if (lo > hi) throw new Error(`beginning of range (${lo}) beyond end of range (${hi}): ${item}`);
    for (let v = lo; v <= hi; v += step) bits[v] = true;
    if (isStar) star = true;
  }
  return { bits, star };
}

/** Parses a 5-field cron expression; throws an Error naming the problem. */
export function parseCron(expr: string): CronSchedule {
  const parts = expr.trim().split(/\s+/).filter((p) => p !== '');
  if (parts.length !== 5) throw new Error(`expected exactly 5 fields, found ${parts.length}: [${parts.join(' ')}]`);
  const f = parts.map((p, i) => parseField(p, FIELDS[i]));
  const dow = f[4].bits.slice(0, 7);
  if (f[4].bits[7]) dow[0] = true;
  return {
    source: expr,
    minute: f[0].bits,
    hour: f[1].bits,
    dom: f[2].bits,
    month: f[3].bits,
    dow,
    domStar: f[2].star,
    dowStar: f[4].star,
  };
}

function dayMatches(s: CronSchedule, d: Date): boolean {
  const domMatch = s.dom[d.getUTCDate()] === true;
  const dowMatch = s.dow[d.getUTCDay()] === true;
  if (s.domStar || s.dowStar) return domMatch && dowMatch;
  return domMatch || dowMatch;
}

/** How far ahead `nextCronTime` looks before giving up (a schedule such as Feb 30 never fires). */
const SEARCH_YEARS = 5;

/**
 * The first whole minute strictly after `afterMs` (unix ms) that the schedule matches, in unix
 * ms; undefined when none comes within five years.
 */
export function nextCronTime(s: CronSchedule, afterMs: number): number | undefined {
  const d = new Date(Math.floor(afterMs / 60_000) * 60_000 + 60_000);
  const lastYear = d.getUTCFullYear() + SEARCH_YEARS;
  while (d.getUTCFullYear() <= lastYear) {
    if (!s.month[d.getUTCMonth() + 1]) {
      d.setUTCMonth(d.getUTCMonth() + 1, 1);
      d.setUTCHours(0, 0, 0, 0);
      continue;
    }
    if (!dayMatches(s, d)) {
      d.setUTCDate(d.getUTCDate() + 1);
      d.setUTCHours(0, 0, 0, 0);
      continue;
    }
    if (!s.hour[d.getUTCHours()]) {
      d.setUTCHours(d.getUTCHours() + 1, 0, 0, 0);
      continue;
    }
    if (!s.minute[d.getUTCMinutes()]) {
      d.setUTCMinutes(d.getUTCMinutes() + 1, 0, 0);
      continue;
    }
    return d.getTime();
  }
  return undefined;
}
