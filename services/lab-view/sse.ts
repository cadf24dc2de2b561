/*
 * Server-sent events by hand (it is a few lines): a capped set of clients, a heartbeat comment so proxies and
 * browsers keep the stream open, and clean-up when a client goes away.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface SseHubOptions {
  maxClients: number;
  heartbeatMs: number;
  /** A client further behind than this many bytes is dropped: its EventSource reconnects and starts fresh. */
  maxBufferedBytes?: number;
}

export class SseHub {
  private readonly clients = new Set<ServerResponse>();
  private readonly heartbeat: NodeJS.Timeout;

  constructor(private readonly opts: SseHubOptions) {
    this.heartbeat = setInterval(() => this.writeAll(': heartbeat\n\n'), opts.heartbeatMs);
    this.heartbeat.unref();
  }

  get size(): number {
    return this.clients.size;
  }

  /** Take over the response as an event stream; false (and a 503) when the hub is full. `first` is sent at once. */
  add(req: IncomingMessage, res: ServerResponse, first?: { event: string; data: unknown }): boolean {
    if (this.clients.size >= this.opts.maxClients) {
      res.writeHead(503, { 'Content-Type': 'text/plain; charset=utf-8', 'Retry-After': '10' }).end('too many viewers\n');
      return false;
    }
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    req.socket.setNoDelay(true);
    this.clients.add(res);
    const drop = (): void => {
      this.clients.delete(res);
    };
    req.on('close', drop);
    res.on('error', drop);
    res.write('retry: 2000\n\n');
    if (first) res.write(format(first.event, first.data));
    return true;
  }

  broadcast(event: string, data: unknown): void {
    this.writeAll(format(event, data));
  }

  close(): void {
    clearInterval(this.heartbeat);
    for (const res of this.clients) res.end();
    this.clients.clear();
  }

  private writeAll(chunk: string): void {
    const max = this.opts.maxBufferedBytes ?? 8 * 1024 * 1024;
    for (const res of this.clients) {
      if (res.writableLength > max) {
        this.clients.delete(res);
        res.destroy();
        continue;
      }
      res.write(chunk);
    }
  }
}

/** JSON has no raw newline, so one `data:` line carries the whole message. */
export function format(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}
