import http from 'node:http';

/** One /api/ request: when it was sent, the status Nginx answered, or no answer at all (refused, reset, timeout). */
export interface ApiSample {
  at: number;
  status: number | null;
  error?: string;
}

export interface ApiCounts {
  requests: number;
  /** Answers with a 5xx status. */
  status5xx: number;
  /** No answer: connection refused or reset, or a timeout (what a restarting Nginx gives). */
  noAnswer: number;
  /** What a user sees as an error: 5xx plus no answer. The bench's "5xx" figures are this. */
  errors: number;
}

/** Requests sent in [from, to) (epoch ms), by outcome. */
export function countApi(samples: readonly ApiSample[], from: number, to: number): ApiCounts {
  let requests = 0;
  let status5xx = 0;
  let noAnswer = 0;
  for (const s of samples) {
    if (s.at < from || s.at >= to) continue;
    requests += 1;
    if (s.status === null) noAnswer += 1;
    else if (s.status >= 500) status5xx += 1;
  }
  return { requests, status5xx, noAnswer, errors: status5xx + noAnswer };
}

/** Sum of countApi over several windows. */
export function countApiWindows(samples: readonly ApiSample[], windows: ReadonlyArray<[number, number]>): ApiCounts {
  const total: ApiCounts = { requests: 0, status5xx: 0, noAnswer: 0, errors: 0 };
  for (const [from, to] of windows) {
    const c = countApi(samples, from, to);
    total.requests += c.requests;
    total.status5xx += c.status5xx;
    total.noAnswer += c.noAnswer;
    total.errors += c.errors;
  }
  return total;
}

/**
 * A steady, bounded request loop against Nginx's /api/ on 127.0.0.1: `ratePerS` GETs per second, a new
 * connection for each (so an error is Nginx's, not a stale keep-alive socket's), at most `maxInFlight` at once.
 */
export class ApiLoad {
  private readonly samples: ApiSample[] = [];
  private timer: NodeJS.Timeout | undefined;
  private inFlight = 0;
  private pending: Array<Promise<void>> = [];
  skipped = 0;

  constructor(
    private readonly url: string,
    private readonly ratePerS: number,
    private readonly timeoutMs = 5000,
    private readonly maxInFlight = 20,
  ) {
    const u = new URL(url);
    if (u.hostname !== '127.0.0.1' && u.hostname !== 'localhost')
      throw new Error(`the /api/ load goes to loopback only, not ${u.hostname}`);
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.fire(), Math.max(1, Math.round(1000 / this.ratePerS)));
  }

  /** Stop sending and wait for the requests still in flight. */
  async stop(): Promise<ApiSample[]> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await Promise.all(this.pending);
    return this.results();
  }

  results(): ApiSample[] {
    return [...this.samples];
  }

  private fire(): void {
    if (this.inFlight >= this.maxInFlight) {
      this.skipped += 1;
      return;
    }
    const sample: ApiSample = { at: Date.now(), status: null };
    this.samples.push(sample);
    this.inFlight += 1;
    const p = this.get()
      .then(
        (status) => void (sample.status = status),
        (err: Error & { code?: string }) => void (sample.error = err.code ?? err.message),
      )
      .finally(() => {
        this.inFlight -= 1;
        this.pending = this.pending.filter((x) => x !== p);
      });
    this.pending.push(p);
  }

  private get(): Promise<number> {
    return new Promise((resolve, reject) => {
      const req = http.get(this.url, { agent: false, headers: { connection: 'close' }, timeout: this.timeoutMs }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
      req.on('error', reject);
    });
  }
}
