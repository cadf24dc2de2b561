// The lab's logger, hand-written rather than pino, after weighing it: the two formats are a contract (tests and
// the harness read `ts`, `level` as a word, `name`, `msg`; the text line is what README readers see). pino would
// need custom formatters for the level and the time and `base` for the name (its keys still in another order), and
// pino-pretty with a message format for the text line, whose transports run in a worker thread (lines in flight at
// exit are lost unless flushed). Redaction here is of any registered secret anywhere in a line, which pino's
// path-based `redact` cannot do, so a wrapping stream would be needed anyway: two dependencies (about 25 packages)
// to do what these 70 lines do, for services that log a few lines a second, where pino's speed buys nothing.
import { redactSecrets } from './secrets';
import { UsageError } from './errors';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFormat = 'text' | 'json';
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger whose lines all carry these fields too. */
  child(fields: LogFields): Logger;
}

export interface LoggerOptions {
  name: string;
  format?: LogFormat;
  level?: LogLevel;
  /** Where lines go; stderr by default so that stdout stays free for a program's data (e.g. --json). */
  write?: (line: string) => void;
  now?: () => Date;
}

const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export function parseLogFormat(value: string | undefined): LogFormat {
  if (value === undefined || value === '' || value === 'text') return 'text';
  if (value === 'json') return 'json';
  throw new UsageError(`log format must be "text" or "json", got "${value}"`);
}

function formatValue(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  if (v instanceof Error) return JSON.stringify(v.message);
  if (typeof v === 'string') return /^[^\s"=]+$/.test(v) ? v : JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

/** One line per event, timestamped: `2026-11-22T10:00:00.000Z INFO  name  message key=value`, or JSON. */
export function createLogger(opts: LoggerOptions): Logger {
  const format = opts.format ?? 'text';
  const min = LEVELS[opts.level ?? 'info'];
  const write = opts.write ?? ((line: string) => process.stderr.write(line + '\n'));
  const now = opts.now ?? (() => new Date());

  const make = (bound: LogFields): Logger => {
    const emit = (level: LogLevel, msg: string, fields?: LogFields): void => {
      if (LEVELS[level] < min) return;
      const all: LogFields = { ...bound, ...fields };
      const ts = now().toISOString();
      let line: string;
      if (format === 'json') {
        const obj: LogFields = { ts, level, name: opts.name, msg };
        for (const [k, v] of Object.entries(all)) obj[k] = v instanceof Error ? v.message : v;
        line = JSON.stringify(obj);
      } else {
        const kv = Object.entries(all)
          .filter(([, v]) => v !== undefined)
          .map(([k, v]) => `${k}=${formatValue(v)}`)
          .join(' ');
        line = `${ts} ${level.toUpperCase().padEnd(5)} ${opts.name}  ${msg}${kv ? '  ' + kv : ''}`;
      }
      write(redactSecrets(line));
    };
    return {
      debug: (m, f) => emit('debug', m, f),
      info: (m, f) => emit('info', m, f),
      warn: (m, f) => emit('warn', m, f),
      error: (m, f) => emit('error', m, f),
      child: (fields) => make({ ...bound, ...fields }),
    };
  };
  return make({});
}
