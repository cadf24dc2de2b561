import type { ConsulClient } from '../shared/consul/client';
import { readAs } from '../shared/consul/http';
import { healthEntriesSchema } from '../shared/consul/schemas';
import { demoServerOf } from '../shared/demoServerId';
import { CONSUL_DEMO_SERVICE_NAME } from './names';

/** One server process across its incarnations: its instance prefix, i.e. the service ID without the `-<n>` (registration.ts). */
export const serverKey = demoServerOf;

/**
 * Remembers which OTHER demo servers were passing recently, so a server about to restart can tell
 * "a peer is in its own restart gap right now" (it was passing a moment ago, now it is missing) from
 * "I am alone". Restarting on top of a peer's gap would leave clients with no instance at all: with two
 * servers restarting every 5-10 s at random, their gaps drift into each other now and then, and that
 * overlap was the only cause of failed requests the benchmark found. A peer that has stopped for good is
 * forgotten after `memoryMs`.
 */
export class PeerTracker {
  private readonly lastSeen = new Map<string, number>();

  constructor(
    private readonly selfKey: string,
    private readonly memoryMs = 30_000,
  ) {}

  /** Record the passing service IDs seen `now`; return the peers seen within memoryMs that are missing now. */
  observe(passingIds: string[], now = Date.now()): string[] {
    const current = new Set(passingIds.map(serverKey).filter((k) => k !== this.selfKey));
    for (const k of current) this.lastSeen.set(k, now);
    const missing: string[] = [];
    for (const [k, seenAt] of this.lastSeen) {
      if (now - seenAt > this.memoryMs) this.lastSeen.delete(k);
      else if (!current.has(k)) missing.push(k);
    }
    return missing;
  }
}

/** IDs of the passing consul-demo instances, through the local agent. */
export async function passingServiceIds(consul: ConsulClient, timeoutMs: number): Promise<string[]> {
  const opts: { service: string; passing: boolean; timeout: number } = {
    service: CONSUL_DEMO_SERVICE_NAME,
    passing: true,
    timeout: timeoutMs,
  };
  // Only the IDs are read: the lenient schema (an entry without an ID reads "" and is left out); not a list throws.
  const entries = readAs(
    `GET /v1/health/service/${CONSUL_DEMO_SERVICE_NAME}?passing`,
    await consul.health.service(opts),
    healthEntriesSchema,
  );
  return entries.map((e) => e.Service.ID).filter((id) => id !== '');
}
