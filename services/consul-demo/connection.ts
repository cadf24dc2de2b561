import type { Socket } from 'node:net';
import type { Logger } from '../shared/logger';
import { MAX_LINE_BYTES, Version, decodeLine, isControlByte, replyTo } from './protocol';

export interface ConnectionOptions {
  version: Version;
  /** A started line must end within this long (a client that never finishes a line is cut off). */
  lineTimeoutMs: number;
  /** A connection with no traffic at all for this long is closed (frees the slot). */
  idleTimeoutMs: number;
  maxLineBytes?: number;
  logger?: Logger;
}

/** Why the server closed a connection on its own. */
export type CloseReason = 'line too long' | 'binary data' | 'timeout waiting for end of line' | 'idle timeout' | 'draining';

export interface ServedConnection {
  /** Resolves when the socket is fully closed, whoever closed it. */
  readonly closed: Promise<void>;
  /**
   * Restart/shutdown: answer what has arrived, then close once no line is half-received.
   * A client that connected a moment ago and whose word is still in flight gets its answer first.
   */
  drain(): void;
  /** Close now (the end of the drain period). */
  destroy(): void;
}

/**
 * Serve one TCP connection: any number of exchanges, each line answered in order.
 * Over-long lines, binary garbage and stalled lines close *this* connection only; nothing here throws
 * out of an event handler, so one bad client can never take the server down.
 */
export function serveConnection(socket: Socket, opts: ConnectionOptions): ServedConnection {
  const max = opts.maxLineBytes ?? MAX_LINE_BYTES;
  const peer = `${socket.remoteAddress}:${socket.remotePort}`;
  let pending: Buffer[] = [];
  let pendingLen = 0;
  let lineTimer: NodeJS.Timeout | undefined;
  let draining = false;
  let finished = false;

  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));

  const clearLineTimer = (): void => {
    if (lineTimer) clearTimeout(lineTimer);
    lineTimer = undefined;
  };

  /** Say why (one line, best effort), then close. Stops reading: nothing after this is answered. */
  const reject = (reason: CloseReason): void => {
    if (finished) return;
    finished = true;
    clearLineTimer();
    socket.pause();
    opts.logger?.warn('closing connection', { peer, reason });
    if (socket.writable) socket.end(`error: ${reason}\n`);
    // If the peer never reads, 'finish' may never come: don't let a dead peer hold the socket open.
    setTimeout(() => socket.destroy(), 1000).unref();
  };

  const finishDrain = (): void => {
    if (finished) return;
    finished = true;
    clearLineTimer();
    socket.end();
    setTimeout(() => socket.destroy(), 1000).unref();
  };

  const onData = (chunk: Buffer): void => {
    if (finished) return;
    let start = 0;
    const replies: string[] = [];
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i]!;
      if (b === 0x0a) {
        pending.push(chunk.subarray(start, i));
        const bytes = Buffer.concat(pending);
        pending = [];
        pendingLen = 0;
        start = i + 1;
        clearLineTimer();
        const line = decodeLine(bytes);
        if (line === undefined) {
          if (replies.length) socket.write(replies.join(''));
          return reject('binary data');
        }
        replies.push(replyTo(opts.version, line) + '\n');
        continue;
      }
      if (isControlByte(b)) {
        if (replies.length) socket.write(replies.join(''));
        return reject('binary data');
      }
      if (++pendingLen > max) {
        if (replies.length) socket.write(replies.join(''));
        return reject('line too long');
      }
    }
    if (start < chunk.length) {
      pending.push(chunk.subarray(start));
      if (!lineTimer) {
        lineTimer = setTimeout(() => reject('timeout waiting for end of line'), opts.lineTimeoutMs);
        lineTimer.unref();
      }
    }
    if (replies.length) {
      socket.write(replies.join(''));
      opts.logger?.debug('answered', { peer, lines: replies.length });
    }
    if (draining && pendingLen === 0) finishDrain();
  };

  socket.setNoDelay(true);
  socket.setTimeout(opts.idleTimeoutMs);
  socket.on('timeout', () => {
    // A half-received line has its own (shorter) timer; this one is for a silent connection.
    if (pendingLen === 0) reject('idle timeout');
  });
  socket.on('data', onData);
  // Resets, half-closes and write errors end this connection only; they are normal life for a server.
  socket.on('error', (err) => opts.logger?.debug('connection error', { peer, error: err.message }));
  socket.on('end', () => {
    if (!finished) {
      finished = true;
      clearLineTimer();
      socket.end();
    }
  });
  socket.on('close', clearLineTimer);

  return {
    closed,
    drain() {
      draining = true;
    },
    destroy() {
      finished = true;
      clearLineTimer();
      socket.destroy();
    },
  };
}
