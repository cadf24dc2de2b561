import { errorMessage } from '../shared/errors';
import type { Logger } from '../shared/logger';
import { WakeableSleep } from '../shared/wakeableSleep';
import { Discovery, DiscoveryMethod, Instance, instanceKey } from './discovery/types';
import { exchange } from './exchange';
import { Selector } from './selection';
import { ClientRequestLine, Stats, Summary } from './summary';

export type DiscoveryMode = 'alternate' | DiscoveryMethod;
export const DISCOVERY_MODES: readonly DiscoveryMode[] = ['alternate', 'dns', 'http'];

export interface ClientConfig {
  intervalMs: number;
  /** Stop after this many requests; 0 = until stopped. */
  count: number;
  discoveryMode: DiscoveryMode;
  discoveries: Record<DiscoveryMethod, Discovery>;
  selector: Selector;
  /** One exchange (connect + reply). */
  timeoutMs: number;
  /** Pause before the fresh discovery of a retry when there was no other instance to try. */
  retryDelayMs: number;
  logger: Logger;
  /** Called once per finished request. */
  onResult: (r: ClientRequestLine, n: number) => void;
}

interface Attempt {
  instance?: Instance;
  ok: boolean;
  error: string | null;
}

const NO_INSTANCE: Record<DiscoveryMethod, string> = {
  // The classic "no such host" of the original demo, said plainly.
  dns: 'no instance found: Consul DNS has no SRV answer for v1/v2.consul-demo.service.consul',
  http: 'no instance found: the Consul HTTP API lists no passing consul-demo instance',
};

/** The demo client: one request per interval, discovered afresh each time, retried once on failure. */
export class DemoClient {
  readonly stats = new Stats();
  private stopped = false;
  private readonly pauses = new WakeableSleep();
  private n = 0;

  constructor(private readonly cfg: ClientConfig) {}

  methodFor(requestIndex: number): DiscoveryMethod {
    if (this.cfg.discoveryMode !== 'alternate') return this.cfg.discoveryMode;
    return requestIndex % 2 === 0 ? 'dns' : 'http';
  }

  /** Runs until `count` requests are done or stop() is called; returns the summary. */
  async run(): Promise<Summary> {
    while (!this.stopped && (this.cfg.count === 0 || this.n < this.cfg.count)) {
      const started = Date.now();
      const method = this.methodFor(this.n);
      const result = await this.request(method);
      if (this.stopped) break;
      this.n++;
      this.stats.add(result);
      this.cfg.onResult(result, this.n);
      if (this.cfg.count !== 0 && this.n >= this.cfg.count) break;
      await this.pauses.sleep(Math.max(0, this.cfg.intervalMs - (Date.now() - started)));
    }
    return this.stats.summary();
  }

  stop(): void {
    this.stopped = true;
    this.pauses.wake({ stop: true });
  }

  /** One request: discover, pick, exchange; on failure one retry on another instance or after a fresh discovery. */
  async request(method: DiscoveryMethod): Promise<ClientRequestLine> {
    const ts = new Date().toISOString();
    const t0 = performance.now();
    const discovery = this.cfg.discoveries[method];

    let instances = await this.discover(discovery);
    const first = await this.attempt(method, instances.list, instances.error);
    let final = first;
    let attempts = 1;
    if (!first.ok) {
      const failedKey = first.instance ? instanceKey(first.instance) : undefined;
      const avoid = new Set(failedKey ? [failedKey] : []);
      const other = first.instance ? this.cfg.selector.pick(instances.list, avoid) : undefined;
      const otherIsNew = other !== undefined && instanceKey(other) !== failedKey;
      this.cfg.logger.warn(`attempt 1 failed: ${first.error}`, {
        discovery: method,
        instance: failedKey ?? null,
        retry: otherIsNew ? 'another instance' : 'fresh discovery',
      });
      attempts = 2;
      if (otherIsNew) {
        final = await this.exchangeWith(other);
      } else {
        await this.pauses.sleep(this.cfg.retryDelayMs);
        instances = await this.discover(discovery);
        final = await this.attempt(method, instances.list, instances.error, avoid);
      }
    }
    // The result names the final attempt's instance; a failed first attempt was logged above.
    const inst = final.instance;
    return {
      ts,
      discovery: method,
      serviceId: inst?.serviceId ?? null,
      address: inst?.address ?? null,
      port: inst?.port ?? null,
      protocol: inst?.protocol ?? null,
      ok: final.ok,
      attempts,
      latencyMs: Math.round(performance.now() - t0),
      error: final.ok ? null : final.error,
    };
  }

  private async discover(d: Discovery): Promise<{ list: Instance[]; error?: string }> {
    try {
      return { list: await d.discover() };
    } catch (err) {
      return { list: [], error: errorMessage(err) };
    }
  }

  private async attempt(
    method: DiscoveryMethod,
    list: Instance[],
    discoveryError: string | undefined,
    avoid?: ReadonlySet<string>,
  ): Promise<Attempt> {
    if (discoveryError) return { ok: false, error: discoveryError };
    const chosen = this.cfg.selector.pick(list, avoid);
    if (!chosen) return { ok: false, error: NO_INSTANCE[method] };
    return this.exchangeWith(chosen);
  }

  private async exchangeWith(instance: Instance): Promise<Attempt> {
    const r = await exchange(instance.address, instance.port, instance.protocol, this.cfg.timeoutMs);
    return { instance, ok: r.ok, error: r.error };
  }
}
