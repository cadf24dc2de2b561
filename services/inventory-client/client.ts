import { WakeableSleep } from '../shared/wakeableSleep';
import type { IpPort } from './address';
import { pingOnce } from './exchange';
import type { RequestRecord, TlsRecord } from './names';
import { probeTls } from './tlsProbe';

export interface InventoryClientSettings {
  target: IpPort;
  everyMs: number;
  timeoutMs: number;
  /** The sidecar's public listener to probe with TLS; undefined = no probe. */
  tlsProbe: IpPort | undefined;
  tlsEveryMs: number;
  onRequest: (r: RequestRecord) => void;
  onTls: (r: TlsRecord) => void;
  now?: () => Date;
}

/**
 * Two loops: a `PING` to the target every `everyMs` (a slow request delays the next, never overlaps it), and, if
 * asked, the TLS probe every `tlsEveryMs`. `stop()` ends both at once; `run()` resolves when both have.
 */
export class InventoryClient {
  private readonly sleeps = [new WakeableSleep(), new WakeableSleep()] as const;
  private stopped = false;
  /** Requests that have run (the status server's health turns 200 after the first). */
  requests = 0;

  constructor(private readonly s: InventoryClientSettings) {}

  async run(): Promise<void> {
    await Promise.all([this.requestLoop(), this.s.tlsProbe ? this.tlsLoop(this.s.tlsProbe) : Promise.resolve()]);
  }

  stop(): void {
    this.stopped = true;
    for (const s of this.sleeps) s.wake({ stop: true });
  }

  /** One request, as its record. */
  async request(): Promise<RequestRecord> {
    const at = (this.s.now ?? (() => new Date()))().toISOString();
    const o = await pingOnce(this.s.target, this.s.timeoutMs);
    return {
      kind: 'request',
      at,
      ok: o.ok,
      ms: o.ms,
      ...(o.reply !== undefined ? { reply: o.reply } : {}),
      ...(o.error !== undefined ? { error: o.error } : {}),
    };
  }

  private async requestLoop(): Promise<void> {
    while (!this.stopped) {
      const started = Date.now();
      const r = await this.request();
      if (this.stopped) return;
      this.requests++;
      this.s.onRequest(r);
      await this.sleeps[0].sleep(this.s.everyMs - (Date.now() - started));
    }
  }

  private async tlsLoop(target: IpPort): Promise<void> {
    while (!this.stopped) {
      const started = Date.now();
      const r = await probeTls(target, this.s.timeoutMs, this.s.now);
      if (this.stopped) return;
      this.s.onTls(r);
      await this.sleeps[1].sleep(this.s.tlsEveryMs - (Date.now() - started));
    }
  }
}
