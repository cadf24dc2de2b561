import type { LogFields } from '../shared/logger';
import type { RequestRecord, TlsRecord } from './names';

/** A line for the text log: only when something changed, so a student's terminal stays readable. */
export interface Change {
  level: 'info' | 'warn';
  msg: string;
  fields: LogFields;
}

/** How long something lasted, for a person: `850ms`, `12.3s`, `2m 5s`. */
export function humanDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(Math.round(ms / 100) / 10).toString()}s`;
  return `${Math.floor(ms / 60_000)}m ${Math.round((ms % 60_000) / 1000)}s`;
}

/**
 * Follows the request records and says only what changed: the first outcome, ok → failing (with the error),
 * failing → ok (with how long and how many failed), and a failure whose error changed (refused → closed: the proxy
 * came back but the intention denies).
 */
export class RequestChanges {
  private failingSince: Date | undefined;
  private failures = 0;
  private lastError: string | undefined;
  private seen = false;

  constructor(private readonly target: string) {}

  next(r: RequestRecord): Change | undefined {
    const first = !this.seen;
    this.seen = true;
    if (r.ok) {
      if (this.failingSince === undefined)
        return first ? { level: 'info', msg: 'inventory-db answers PONG', fields: { target: this.target, ms: r.ms } } : undefined;
      const failedMs = Date.parse(r.at) - this.failingSince.getTime();
      const change: Change = {
        level: 'info',
        msg: `inventory-db answers again after ${humanDuration(Math.max(0, failedMs))} failing`,
        fields: { target: this.target, failed: this.failures, ms: r.ms },
      };
      this.failingSince = undefined;
      this.failures = 0;
      this.lastError = undefined;
      return change;
    }
    this.failures++;
    const error = r.error ?? 'failed';
    if (this.failingSince === undefined) {
      this.failingSince = new Date(r.at);
      this.lastError = error;
      return { level: 'warn', msg: `requests failing: ${error}`, fields: { target: this.target } };
    }
    if (error === this.lastError) return undefined;
    this.lastError = error;
    return { level: 'warn', msg: `still failing, now: ${error}`, fields: { target: this.target } };
  }
}

/** What a TLS probe showed, for comparing one probe with the last (the time aside). */
function tlsKey(r: TlsRecord): string {
  const { at: _at, ...rest } = r;
  return JSON.stringify(rest);
}

/** The TLS probe's first outcome and every change (a new certificate after a CA rotation, a listener gone). */
export class TlsChanges {
  private last: string | undefined;

  next(r: TlsRecord): Change | undefined {
    const key = tlsKey(r);
    if (key === this.last) return undefined;
    this.last = key;
    const fields: LogFields = {
      target: r.target,
      uri: r.uri,
      issuer: r.issuer,
      serial: r.serial,
      validTo: r.validTo,
      refused: r.refusal ?? false,
      plainPing: r.plainOutcome,
    };
    if (!r.ok) return { level: 'warn', msg: `TLS probe: no certificate (${r.error ?? 'none presented'})`, fields };
    const refusal = r.refused ? 'refused us without a client certificate' : 'did NOT refuse us without a client certificate';
    const plain = r.plainAnswered ? 'and answered a plain-text PING' : 'and no plain-text PING is answered';
    return {
      level: r.refused && !r.plainAnswered ? 'info' : 'warn',
      msg: `TLS probe: certificate presented, ${refusal}, ${plain}`,
      fields,
    };
  }
}
