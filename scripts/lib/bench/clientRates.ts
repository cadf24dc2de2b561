import type Docker from 'dockerode';
import { summarise, ClientRequest } from '../demo/clientLog';
import { readClientRequests } from '../demo/clientRequests';
import { DEMO_CLIENT_SERVICE } from '../docker/labServices';
import { readContainerLogs } from '../docker/engine';
import type { LabContainer } from '../docker/labContainers';
import { sleep } from '../../../services/shared/async';
import type { RestartMode } from '../../../services/shared/names';
import type { BenchLab } from './benchLab';
import { rate } from './stats';

/** The demo client's requests over one traffic window, with a given number of demo servers. */
export interface ClientWindow {
  servers: number;
  /** The demo servers' restart mode in this window (set by the phase; break-before-make is the lab's default). */
  restartMode?: RestartMode;
  from: number;
  to: number;
  requests: number;
  firstTry: number;
  ok: number;
  firstTryRate: number;
  withRetryRate: number;
  /** Requests that failed even with the retry, by error. */
  failures: Array<{ error: string; count: number }>;
  /** Why first attempts failed (the client's `attempt 1 failed` warnings on stderr), by method and error. */
  firstAttemptFailures: Array<{ error: string; count: number }>;
}

/**
 * The client's stderr warnings `<ts> WARN <name> attempt 1 failed: <error> discovery=<m> ...` in [from, to),
 * grouped by method and error with addresses and ports blanked, so "why did the first try fail" has an answer.
 */
export function firstAttemptFailures(stderr: string, from: number, to: number): Array<{ error: string; count: number }> {
  const by = new Map<string, number>();
  for (const line of stderr.split('\n')) {
    const m = /^(\S+)\s+WARN\s+\S+\s+attempt 1 failed: (.*?)\s+discovery=(\w+)/.exec(line);
    if (!m) continue;
    const ts = Date.parse(m[1]!);
    if (!(ts >= from && ts < to)) continue;
    const error = `${m[3]}: ${m[2]!.replace(/^"|"$/g, '').replace(/\d+\.\d+\.\d+\.\d+(:\d+)?/g, '<addr>')}`;
    by.set(error, (by.get(error) ?? 0) + 1);
  }
  return [...by.entries()]
    .map(([error, count]) => ({ error, count }))
    .sort((a, b) => b.count - a.count)
    .slice(0, 5);
}

async function clientStderr(docker: Docker, client: LabContainer, from: number): Promise<string> {
  return (await readContainerLogs(docker, client.id, { stdout: false, stderr: true, since: Math.floor(from / 1000) })).stderr;
}

/** Rates from the client's --json lines: first try = ok with attempts 1; with retry = ok at all. */
export function windowFrom(
  servers: number,
  from: number,
  to: number,
  requests: ClientRequest[],
  firstAttempt: ClientWindow['firstAttemptFailures'] = [],
): ClientWindow {
  const s = summarise(requests);
  const byError = new Map<string, number>();
  for (const r of requests) if (!r.ok) byError.set(r.error ?? 'unknown', (byError.get(r.error ?? 'unknown') ?? 0) + 1);
  return {
    servers,
    from,
    to,
    requests: s.requests,
    firstTry: s.firstTry,
    ok: s.ok,
    firstTryRate: rate(s.firstTry, s.requests),
    withRetryRate: rate(s.ok, s.requests),
    failures: [...byError.entries()]
      .map(([error, count]) => ({ error, count }))
      .sort((a, b) => b.count - a.count)
      .slice(0, 5),
    firstAttemptFailures: firstAttempt,
  };
}

/**
 * Let the demo client run for `ms` and read what it logged meanwhile (`docker logs` of demo-client), with a
 * progress line every `reportEveryMs`. The demo servers restart every 5-10 s throughout: that is the point.
 */
export async function clientWindow(
  lab: BenchLab,
  servers: number,
  ms: number,
  report: (w: ClientWindow, elapsedMs: number) => void,
  reportEveryMs = 30_000,
): Promise<ClientWindow> {
  const client = (await lab.containers()).find((c) => c.service === DEMO_CLIENT_SERVICE && c.state === 'running');
  if (!client) throw new Error(`the demo-client container is not running (project ${lab.where.project})`);
  const from = Date.now();
  const to = from + ms;
  while (Date.now() < to) {
    await sleep(Math.min(reportEveryMs, to - Date.now()));
    const now = Math.min(Date.now(), to);
    if (now < to) report(windowFrom(servers, from, now, await readClientRequests(lab.docker, client, from, now)), now - from);
  }
  // The last requests of the window are logged when they finish (≤ 2 s: timeout + retry).
  await sleep(2500);
  const requests = (await readClientRequests(lab.docker, client, from, to)).filter((r) => r.ts < to);
  const why = await clientStderr(lab.docker, client, from).then(
    (text) => firstAttemptFailures(text, from, to),
    () => [],
  );
  return windowFrom(servers, from, to, requests, why);
}
