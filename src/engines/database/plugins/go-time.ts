/**
 * Go time layouts (reference time `Mon Jan 2 15:04:05 MST 2006`), formatted in UTC: used by the
 * `timestamp` template function and for `{{expiration}}` in SQL statements.
 */

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

const pad = (n: number, width: number, ch = '0') => String(n).padStart(width, ch);

/** Layout elements, longest first so that `January` wins over `Jan` and `2006` over `2`. */
const ELEMENTS: Array<[string, (d: Date) => string]> = [
  ['January', (d) => MONTHS[d.getUTCMonth()]],
  ['Monday', (d) => DAYS[d.getUTCDay()]],
  ['Z07:00', () => 'Z'],
  ['-07:00', () => '+00:00'],
  ['Z0700', () => 'Z'],
  ['-0700', () => '+0000'],
  ['2006', (d) => pad(d.getUTCFullYear(), 4)],
  ['Z07', () => 'Z'],
  ['-07', () => '+00'],
  ['Jan', (d) => MONTHS[d.getUTCMonth()].slice(0, 3)],
  ['Mon', (d) => DAYS[d.getUTCDay()].slice(0, 3)],
  ['MST', () => 'UTC'],
  ['002', (d) => pad(dayOfYear(d), 3)],
  ['__2', (d) => pad(dayOfYear(d), 3, ' ')],
  ['01', (d) => pad(d.getUTCMonth() + 1, 2)],
  ['02', (d) => pad(d.getUTCDate(), 2)],
  ['_2', (d) => pad(d.getUTCDate(), 2, ' ')],
  ['06', (d) => pad(d.getUTCFullYear() % 100, 2)],
  ['15', (d) => pad(d.getUTCHours(), 2)],
  ['03', (d) => pad(hour12(d), 2)],
  ['04', (d) => pad(d.getUTCMinutes(), 2)],
  ['05', (d) => pad(d.getUTCSeconds(), 2)],
  ['PM', (d) => (d.getUTCHours() >= 12 ? 'PM' : 'AM')],
  ['pm', (d) => (d.getUTCHours() >= 12 ? 'pm' : 'am')],
  ['1', (d) => String(d.getUTCMonth() + 1)],
  ['2', (d) => String(d.getUTCDate())],
  ['3', (d) => String(hour12(d))],
  ['4', (d) => String(d.getUTCMinutes())],
  ['5', (d) => String(d.getUTCSeconds())],
];

function hour12(d: Date): number {
  const h = d.getUTCHours() % 12;
  return h === 0 ? 12 : h;
}

function dayOfYear(d: Date): number {
  return Math.floor((Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()) - Date.UTC(d.getUTCFullYear(), 0, 1)) / 86400000) + 1;
}

/** Fractional seconds `.000`/`,000` (fixed digits) or `.999` (trailing zeros dropped). */
function fraction(d: Date, spec: string): string {
  const digits = spec.length - 1;
  const ms = pad(d.getUTCMilliseconds(), 3);
  const full = (ms + '000000').slice(0, Math.max(digits, 0));
  if (spec[1] === '0') return spec[0] + full;
  const trimmed = full.replace(/0+$/, '');
  return trimmed === '' ? '' : spec[0] + trimmed;
}

export function formatGoLayout(d: Date, layout: string): string {
  let out = '';
  let i = 0;
  outer: while (i < layout.length) {
    const frac = /^[.,](0+|9+)(?![0-9])/.exec(layout.slice(i));
    if (frac && /05$|5$/.test(layout.slice(0, i))) {
      out += fraction(d, frac[0]);
      i += frac[0].length;
      continue;
    }
    for (const [el, fmt] of ELEMENTS) {
      if (layout.startsWith(el, i)) {
        // Go only treats `Jan`/`Mon` etc. as elements when not followed by a lower-case letter.
        if ((el === 'Jan' || el === 'Mon') && /[a-z]/.test(layout[i + el.length] ?? '')) break;
        out += fmt(d);
        i += el.length;
        continue outer;
      }
    }
    out += layout[i];
    i++;
  }
  return out;
}

/** `2006-01-02 15:04:05-0700` in UTC: the `{{expiration}}` value of SQL statements (spec/dynamic.md 2.10). */
export function formatExpiration(d: Date): string {
  return formatGoLayout(d, '2006-01-02 15:04:05-0700');
}
