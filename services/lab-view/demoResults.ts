/*
 * The consul-demo client's request results (GET <url>/results), validated item by item: one malformed entry
 * (or a newer client's extra field) drops that entry, never the panel.
 */
import { z } from 'zod';
import { readBounded } from '../shared/readBounded';

export type Outcome = 'first' | 'retry' | 'failed';

/** One request as the page draws it: a dot at `at`, coloured by outcome, laned by discovery. */
export interface DemoRequest {
  at: number;
  outcome: Outcome;
  discovery: 'dns' | 'http';
  instance: string | null;
  version: string | null;
  error: string | null;
}

/** Long strings are cut: they only label a dot's tooltip. */
const text = z
  .string()
  .nullable()
  .transform((s) => (s === null ? null : s.slice(0, 200)));

const Result = z.object({
  at: z.string(),
  ok: z.boolean(),
  attempts: z.number().int().min(0),
  discovery: z.enum(['dns', 'http']),
  instance: text,
  version: text,
  error: text,
});

/** At most this many results are kept and pushed: the page shows ~2 minutes. */
export const MAX_RESULTS = 600;

export function outcomeOf(ok: boolean, attempts: number): Outcome {
  if (!ok) return 'failed';
  return attempts <= 1 ? 'first' : 'retry';
}

/** The body of /results → the requests since `since` (ms), oldest first, at most MAX_RESULTS; throws if it is not `{results: [...]}`. */
export function parseDemoResults(body: unknown, since: number): DemoRequest[] {
  if (!body || typeof body !== 'object' || !Array.isArray((body as { results?: unknown }).results)) {
    throw new Error('not a {"results": [...]} answer');
  }
  const out: DemoRequest[] = [];
  for (const item of (body as { results: unknown[] }).results) {
    const r = Result.safeParse(item);
    if (!r.success) continue;
    const at = Date.parse(r.data.at);
    if (!Number.isFinite(at) || at < since) continue;
    const { discovery, instance, version, error } = r.data;
    out.push({ at, outcome: outcomeOf(r.data.ok, r.data.attempts), discovery, instance, version, error });
  }
  out.sort((a, b) => a.at - b.at);
  return out.slice(-MAX_RESULTS);
}

/** Largest /results body read: a few hundred results are ~100 kB. */
export const MAX_BODY = 4 * 1024 * 1024;

/** Fetch and parse; throws a one-line Error on any failure (unreachable, HTTP error, not JSON, too big). */
export async function fetchDemoResults(url: string, since: number, timeoutMs = 2000): Promise<DemoRequest[]> {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'error' });
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  // Bounded while reading, not after: a huge or endless answer must not be buffered whole first.
  const body = await readBounded(res, MAX_BODY);
  return parseDemoResults(JSON.parse(body.toString('utf8')), since);
}
