import type { Socket } from 'node:net';
import type { Logger } from '../shared/logger';
import { MAX_LINE_BYTES, Version, decodeLine, isControlByte, replyTo } from './protocol';

/** Default for ConnectionOptions.maxReplyBacklogBytes (`--max-reply-backlog`). */
export const DEFAULT_MAX_REPLY_BACKLOG_BYTES = 1024 * 1024;

/**
 * Replies are written in batches of about this size. An empty line costs the client 1 byte and the server a
 * 21-byte `error: expected ping`, so one 64 KiB read can mean 1.4 MB of replies: batching lets the backlog cap
 * stop that part-way instead of after the whole read has been answered.
 */
const REPLY_BATCH_BYTES = 16 * 1024;

export interface ConnectionOptions {
  version: Version;
  /** A started line must end within this long (a client that never finishes a line is cut off). */
  lineTimeoutMs: number;
  /** A connection with no traffic at all for this long is closed (frees the slot). */
  idleTimeoutMs: number;
  maxLineBytes?: number;
  /**
   * Unsent replies one connection may hold in memory. Past it the connection is closed: a client that sends
   * and never reads must not make the server buffer replies without bound.
   */
  maxReplyBacklogBytes?: number;
  /** Debug lines only: a per-connection line at info level does not scale (see onClose). */
  logger?: Logger;
  /** Told once, when the server closes this connection on its own, why. The server summarises these. */
  onClose?: (reason: CloseReason, peer: string) => void;
}

/** Why the server closed a connection on its own. */
export type CloseReason =
  | 'line too long'
  | 'binary data'
  | 'timeout waiting for end of line'
  | 'idle timeout'
  | 'reply backlog over cap'
  | 'replies not read'
  | 'draining';

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
 *
 * Backpressure: when a write reports the socket's buffer full, the connection stops reading until 'drain',
 * so a client that does not read its replies ends up blocked on its own sends (TCP flow control) instead of
 * growing the server's memory. What is already buffered is capped by maxReplyBacklogBytes.
 */
export function serveConnection(socket: Socket, opts: ConnectionOptions): ServedConnection {
  const max = opts.maxLineBytes ?? MAX_LINE_BYTES;
  const maxBacklog = opts.maxReplyBacklogBytes ?? DEFAULT_MAX_REPLY_BACKLOG_BYTES;
  const peer = `${socket.remoteAddress}:${socket.remotePort}`;
  let pending: Buffer[] = [];
  let pendingLen = 0;
  let lineTimer: NodeJS.Timeout | undefined;
  /** Runs while reading is paused for 'drain' (see onData). */
  let stallTimer: NodeJS.Timeout | undefined;
  let draining = false;
  let finished = false;
  /** Paused because the socket's write buffer is full; 'drain' resumes reading. */
  let waitingForDrain = false;
  let out: string[] = [];
  let outLen = 0;

  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));

  const clearLineTimer = (): void => {
    if (lineTimer) clearTimeout(lineTimer);
    lineTimer = undefined;
  };
  const clearTimers = (): void => {
    clearLineTimer();
    if (stallTimer) clearTimeout(stallTimer);
    stallTimer = undefined;
  };

  /** Say why (one line, best effort), then close. Stops reading: nothing after this is answered. */
  const reject = (reason: CloseReason): void => {
    if (finished) return;
    finished = true;
    clearTimers();
    socket.pause();
    out = [];
    outLen = 0;
    opts.onClose?.(reason, peer);
    if (socket.writable) socket.end(`error: ${reason}\n`);
    // If the peer never reads, 'finish' may never come: don't let a dead peer hold the socket (and the
    // replies buffered for it) any longer.
    setTimeout(() => socket.destroy(), 1000).unref();
  };

  /**
   * A timer fired while replies are stuck in our buffer: the client stopped reading (which is why we stopped
   * reading its lines too), so neither its line nor its silence is the real reason.
   */
  const stalledOr = (reason: CloseReason): CloseReason => (socket.writableLength > 0 ? 'replies not read' : reason);

  const finishDrain = (): void => {
    if (finished) return;
    finished = true;
    clearTimers();
    // Not reported to onClose: the restart that drains logs the open connections itself ('stopped accepting').
    socket.end();
    setTimeout(() => socket.destroy(), 1000).unref();
  };

  /** Write the batched replies; false once the connection is being closed (backlog over the cap). */
  const flush = (): boolean => {
    if (outLen === 0) return !finished;
    const data = out.join('');
    const lines = out.length;
    out = [];
    outLen = 0;
    if (!socket.write(data)) waitingForDrain = true;
    opts.logger?.debug('answered', { peer, lines });
    if (socket.writableLength > maxBacklog) {
      reject('reply backlog over cap');
      return false;
    }
    return true;
  };

  const onData = (chunk: Buffer): void => {
    if (finished) return;
    let start = 0;
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
          if (flush()) reject('binary data');
          return;
        }
        const reply = replyTo(opts.version, line) + '\n';
        out.push(reply);
        outLen += reply.length;
        if (outLen >= REPLY_BATCH_BYTES && !flush()) return;
        continue;
      }
      if (isControlByte(b)) {
        if (flush()) reject('binary data');
        return;
      }
      if (++pendingLen > max) {
        if (flush()) reject('line too long');
        return;
      }
    }
    if (start < chunk.length) {
      pending.push(chunk.subarray(start));
      if (!lineTimer) {
        lineTimer = setTimeout(() => reject(stalledOr('timeout waiting for end of line')), opts.lineTimeoutMs);
        lineTimer.unref();
      }
    }
    if (!flush()) return;
    if (waitingForDrain) {
      // Stop reading until the client has taken what we owe it. Node's own socket timeout does not fire while
      // a write is pending, so a client that never reads would hold the connection (and its backlog) for good:
      // replies that do not move for the idle timeout close it.
      socket.pause();
      stallTimer = setTimeout(() => reject('replies not read'), opts.idleTimeoutMs);
      stallTimer.unref();
      socket.once('drain', () => {
        waitingForDrain = false;
        if (stallTimer) clearTimeout(stallTimer);
        stallTimer = undefined;
        if (!finished) socket.resume();
      });
    }
    if (draining && pendingLen === 0) finishDrain();
  };

  socket.setNoDelay(true);
  socket.setTimeout(opts.idleTimeoutMs);
  socket.on('timeout', () => {
    // A half-received line has its own (shorter) timer; this one is for a silent connection, or one whose
    // replies have not moved for this long.
    if (pendingLen === 0 || socket.writableLength > 0) reject(stalledOr('idle timeout'));
  });
  socket.on('data', onData);
  // Resets, half-closes and write errors end this connection only; they are normal life for a server.
  socket.on('error', (err) => opts.logger?.debug('connection error', { peer, error: err.message }));
  socket.on('end', () => {
    if (!finished) {
      finished = true;
      clearTimers();
      socket.end();
      // Replies may still be queued for a client that half-closed and never reads: without this backstop the
      // socket, its backlog and its connection slot would be held for good (the idle timeout's reject() is a
      // no-op once finished).
      setTimeout(() => socket.destroy(), 1000).unref();
    }
  });
  socket.on('close', clearTimers);

  return {
    closed,
    drain() {
      draining = true;
    },
    destroy() {
      finished = true;
      clearTimers();
      socket.destroy();
    },
  };
}
