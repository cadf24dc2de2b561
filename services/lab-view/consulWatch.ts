/*
 * Consul blocking queries (`?index=N&wait=30s`) through the repo's one Consul client. The `consul` package
 * returns only the body unless the request's `ctx` asks for the response too (`includeResponse`), which is
 * where X-Consul-Index is; the same ctx cancels the request on shutdown ("cancel" event, papi's hook).
 */
import { EventEmitter } from 'node:events';
import type { ConsulClient } from '../shared/consul/client';
import { WakeableSleep } from '../shared/wakeableSleep';

/** A client call that takes Consul's common options: `consul.health.service`, `consul.health.state`, … */
export type BlockingCall = (consul: ConsulClient, opts: Record<string, unknown>) => Promise<unknown>;

interface RequestContext extends EventEmitter {
  includeResponse: boolean;
}

interface Response {
  headers?: Record<string, string | string[] | undefined>;
}

export interface WatchOptions {
  consul: ConsulClient;
  call: BlockingCall;
  /** Consul's `wait`; the request's own timeout is a little longer. */
  waitMs: number;
  onData: (body: unknown) => void;
  /** Called once per failed request; the loop waits, then starts over from index 0. */
  onError: (err: unknown) => void;
  /** Back-off after a failure, ms: doubles from min to max. */
  retryMinMs?: number;
  retryMaxMs?: number;
}

export interface Watch {
  stop(): Promise<void>;
}

/** The index to send next, per Consul's guidance: reset when it went backwards or is not a positive number. */
export function nextIndex(previous: bigint, header: unknown): bigint {
  const s = Array.isArray(header) ? header[0] : header;
  if (typeof s !== 'string' || !/^\d{1,20}$/.test(s)) return 0n;
  const n = BigInt(s);
  return n <= 0n || n < previous ? 0n : n;
}

/** Run one blocking query after another until stopped; `onData` gets every answer whose index moved. */
export function watchBlocking(opts: WatchOptions): Watch {
  const pause = new WakeableSleep();
  let stopped = false;
  let ctx: RequestContext | undefined;
  const loop = async (): Promise<void> => {
    let index = 0n;
    let delay = opts.retryMinMs ?? 500;
    while (!stopped) {
      ctx = Object.assign(new EventEmitter(), { includeResponse: true });
      try {
        const answer = await opts.call(opts.consul, {
          index: index.toString(),
          wait: `${Math.round(opts.waitMs / 1000)}s`,
          timeout: opts.waitMs + Math.max(opts.waitMs / 16, 5000),
          ctx,
        });
        if (stopped) return;
        const [res, body] = answer as [Response, unknown];
        const next = nextIndex(index, res.headers?.['x-consul-index']);
        // Same index = the wait ran out with no change: nothing new to show.
        if (next === 0n || next !== index) opts.onData(body);
        index = next;
        delay = opts.retryMinMs ?? 500;
        // Without a usable index the next request would not block: do not spin.
        if (next === 0n) await pause.sleep(1000);
      } catch (err) {
        if (stopped) return;
        opts.onError(err);
        index = 0n;
        await pause.sleep(delay);
        delay = Math.min(delay * 2, opts.retryMaxMs ?? 5000);
      }
    }
  };
  const done = loop();
  return {
    async stop() {
      stopped = true;
      ctx?.emit('cancel');
      pause.wake({ stop: true });
      await done;
    },
  };
}
