import { RESULTS_KEPT, type RequestRecord, type Results, type TlsRecord } from './names';

/**
 * The last `capacity` request records, oldest first, and the last TLS record: bounded memory however long the client
 * runs. (A ring like consul-demo's: a service never imports another, and this one is six lines.)
 */
export class RecentResults {
  private readonly items: RequestRecord[] = [];
  /** Where the next record goes once full (= the oldest one's index). */
  private next = 0;
  private tls: TlsRecord | null = null;

  constructor(readonly capacity = RESULTS_KEPT) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a whole number >= 1, got ${capacity}`);
  }

  addRequest(r: RequestRecord): void {
    if (this.items.length < this.capacity) this.items.push(r);
    else {
      this.items[this.next] = r;
      this.next = (this.next + 1) % this.capacity;
    }
  }

  setTls(r: TlsRecord): void {
    this.tls = r;
  }

  /** GET /results' body: copies, oldest first. */
  snapshot(): Results {
    return { results: [...this.items.slice(this.next), ...this.items.slice(0, this.next)], tls: this.tls };
  }
}
