/**
 * The server's logger: one line per event on stderr, levels trace..error. Callers pass fields,
 * never secrets or tokens (Keep logs accessors and request ids, not credentials).
 */
import type { Logger } from '../framework/types.ts';

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LEVELS)[number];

export function parseLogLevel(value: string | undefined): LogLevel {
  const v = (value ?? 'info').toLowerCase();
  if (v === 'warning') return 'warn';
  if ((LEVELS as readonly string[]).includes(v)) return v as LogLevel;
  throw new Error(`invalid log level "${value}": expected one of ${LEVELS.join(', ')}`);
}

export function createLogger(level: LogLevel, write: (line: string) => void = (l) => process.stderr.write(l)): Logger {
  const min = LEVELS.indexOf(level);
  const emit = (lvl: LogLevel, msg: string, fields?: Record<string, unknown>) => {
    if (LEVELS.indexOf(lvl) < min) return;
    const extra = fields && Object.keys(fields).length > 0 ? ` ${JSON.stringify(fields)}` : '';
    write(`${new Date().toISOString()} [${lvl.toUpperCase()}] ${msg}${extra}\n`);
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
  };
}
