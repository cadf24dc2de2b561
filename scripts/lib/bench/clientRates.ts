import { summarise, ClientRequest } from '../demoClientLog';
import { DEMO_CLIENT_SERVICE, readClientRequests } from '../demoClient';
import { sleep } from '../wait';
import type { BenchLab } from './benchLab';
import { rate } from './stats';

/** The demo client's requests over one traffic window, with a given number of demo servers. */
export interface ClientWindow {
  servers: number;
  from: number;
  to: number;
  requests: number;
  firstTry: number;
  ok: number;
  firstTryRate: number;
  withRetryRate: number;
  /** The most frequent errors of failed first attempts are not logged per request; these are final failures. */
  failures: Array<{ error: string; count: number }>;
}

/** Rates from the client's --json lines: first try = ok with attempts 1; with retry = ok at all. */
export function windowFrom(servers: number, from: number, to: number, requests: ClientRequest[]): ClientWindow {
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
    failures: [...byError.entries()].map(([error, count]) => ({ error, count })).sort((a, b) => b.count - a.count).slice(0, 5),
  };
}

/**
 * Let the demo client run for `ms` and read what it logged meanwhile (`docker logs` of demo-client), with a
 * progress line every `reportEveryMs`. The demo servers restart every 5-10 s throughout: that is the point.
 */
export async function clientWindow(lab: BenchLab, servers: number, ms: number, report: (w: ClientWindow, elapsedMs: number) => void, reportEveryMs = 30_000): Promise<ClientWindow> {
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
  return windowFrom(servers, from, to, (await readClientRequests(lab.docker, client, from, to)).filter((r) => r.ts < to));
}
