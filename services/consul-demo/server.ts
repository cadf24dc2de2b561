import net from 'node:net';
import { sleep } from '../shared/async';
import type { ConsulClient } from '../shared/consul/client';
import { consulErrorText, isPermanentConsulError } from '../shared/consul/errors';
import { UsageError, errorMessage } from '../shared/errors';
import type { Logger } from '../shared/logger';
import { type RegistrationWatch, watchRegistration } from '../shared/registrationWatch';
import { WakeableSleep } from '../shared/wakeableSleep';
import { ServedConnection, serveConnection } from './connection';
import { EventSummary } from './eventSummary';
import { FD_RESERVE, connectionCapFor, openFileLimit } from './fdLimit';
import { MAKE_BEFORE_BREAK, type RestartMode } from './names';
import { VERSIONS, Version } from './protocol';
import { PeerTracker, passingServiceIds } from './peers';
import {
  type RegistrationInput,
  deregisterService,
  instancePrefixFor,
  isRegisteredLocally,
  registerService,
  serviceIdFor,
} from './registration';

/** What the user chooses about a server (flags/env, parsed in options.ts). */
export interface ServerSettings {
  /** Locks the protocol; undefined = v1 or v2 at random on every incarnation. */
  version?: Version;
  bind: string;
  advertise: string;
  /** [min, max] ms between restarts; [0, 0] = never restart. */
  restartEveryMs: [number, number];
  /**
   * How an incarnation hands over to the next. break-before-make (the lesson): the old one leaves, then the new one
   * comes, and in between there is no instance. make-before-break: the new one listens, registers and is passing in
   * Consul before the old one deregisters and drains, so there is always one to find.
   */
  restartMode: RestartMode;
  /** After deregistering, keep answering this long before closing (see retire()). */
  drainMs: number;
  lineTimeoutMs: number;
  idleTimeoutMs: number;
  /** Connections served at once, over all incarnations; lowered to fit the open-file limit. */
  maxConnections: number;
  /** Unsent replies one connection may hold before it is closed. */
  maxReplyBacklogBytes: number;
}

export interface ServerConfig extends ServerSettings {
  consul: ConsulClient;
  logger: Logger;
  /** Per Consul request; short, because shutdown must finish within 2 s. */
  consulTimeoutMs?: number;
  random?: () => number;
  /** This process's instance prefix (registration.ts); made from hostname, pid and a random part by default. */
  instancePrefix?: string;
  /**
   * An error ended the server (the restart loop failed, Consul refused the registration for good): called
   * once the listener is closed and the registration removed (as far as Consul allows). The CLI exits 1.
   */
  onFatal?: (err: unknown) => void;
  /** How often the local agent is asked whether it still holds our registration (≤ 2 s; 1 s by default). */
  registrationCheckMs?: number;
  /** At most one summary line per this long for closed/refused connections (10 s by default). */
  logSummaryMs?: number;
  /** The open-file limit (`ulimit -n`); read from /proc by default. */
  openFileLimit?: () => number | undefined;
  /** make-before-break: how long the new incarnation may take to be passing before the old one goes anyway (5 s). */
  passingTimeoutMs?: number;
}

interface Incarnation {
  n: number;
  id: string;
  version: Version;
  port: number;
  listener: net.Server;
  connections: Set<ServedConnection>;
  log: Logger;
  /** A register call went out (it may have landed even if it timed out), so retiring must deregister. */
  registerSent: boolean;
  /** Re-registers if the agent forgets us; stopped before deregistering. */
  watch?: RegistrationWatch;
  retiring: boolean;
}

/** Once the listener is closed, connections still open get this long to finish their line. */
const CLOSE_GRACE_MS = 1000;
/** Shutdown must be over within 2 s (deregister ≤ 800 ms + these), so it drains briefly. */
const SHUTDOWN_DRAIN_MS = 200;
const SHUTDOWN_CLOSE_GRACE_MS = 300;
const REGISTER_RETRY_MS = 1000;
const REGISTRATION_CHECK_MS = 1000;
const LOG_SUMMARY_MS = 10_000;
/** A fatal error's clean-up (shutdown()) gets this long before the process exits anyway. */
const FATAL_CLEANUP_MS = 2500;
/**
 * On shutdown the registration watch gets this long to finish a check in flight (≤ 800 ms, then maybe a
 * re-registration, ≤ 800 ms more) before we deregister anyway: else the 2 s budget could not hold.
 */
const SHUTDOWN_WATCH_STOP_MS = 300;
/** A listen in the restart loop failing this many times in a row is not going to work: the server ends. */
const MAX_LISTEN_FAILURES = 10;
/**
 * A restart waits at most this long for a peer to come back from its own restart gap (~0.55 s), so that
 * two servers are never away at the same time; a peer that died is waited on this long, and forgotten after 30 s.
 */
const MAX_PEER_WAIT_MS = 3000;
const PEER_POLL_MS = 100;
/**
 * make-before-break: the new incarnation registers with its check passing, so it normally shows up in the health
 * API at once; past this, something is wrong (a slow catalog sync, a check that fails) and the old one is retired
 * anyway rather than the server hanging with two incarnations.
 */
const PASSING_TIMEOUT_MS = 5000;
const PASSING_POLL_MS = 50;

function listen(bind: string): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    // Port 0: the OS picks a free port. Guessing from a range races with everything else on the machine.
    srv.listen({ host: bind, port: 0 }, () => {
      srv.off('error', reject);
      resolve(srv);
    });
  });
}

/**
 * The demo server: listens, registers itself in Consul, and every few seconds restarts on a new port
 * (possibly with the other protocol), to be as hard to find as a real service that scales and moves.
 */
export class DemoServer {
  private stopping = false;
  private readonly sleeps = new WakeableSleep();
  /** The service ID without its `-<n>`: the same for all of this process's incarnations, and only theirs. */
  readonly instancePrefix: string;
  private readonly peers: PeerTracker;
  private current: Incarnation | undefined;
  /** make-before-break: the old incarnation, still registered and serving while the next one comes up. */
  private previous: Incarnation | undefined;
  private loop: Promise<void> | undefined;
  private lastDeregisteredAt: number | undefined;
  private readonly consulTimeoutMs: number;
  private readonly random: () => number;
  /** Connections being served now, over all incarnations (a retiring one's included). */
  private openConnections = 0;
  private readonly maxConnections: number;
  private readonly fdLimit: number | undefined;
  private failing = false;
  /** The fatal path's clean-up (fail()), which a signal's stop() must wait for and not report as a clean stop. */
  private fatal: Promise<void> | undefined;
  // Summaries instead of one line per event: under load, per-connection lines were most of the log.
  private readonly closes: EventSummary;
  private readonly refusals: EventSummary;
  private readonly acceptErrors: EventSummary;

  constructor(private readonly cfg: ServerConfig) {
    this.consulTimeoutMs = cfg.consulTimeoutMs ?? 800;
    this.random = cfg.random ?? Math.random;
    this.instancePrefix = cfg.instancePrefix ?? instancePrefixFor();
    this.peers = new PeerTracker(this.instancePrefix);
    this.fdLimit = (cfg.openFileLimit ?? openFileLimit)();
    this.maxConnections = connectionCapFor(cfg.maxConnections, this.fdLimit);
    const windowMs = cfg.logSummaryMs ?? LOG_SUMMARY_MS;
    const log = cfg.logger;
    this.closes = new EventSummary((m, f) => log.info(m, f), {
      first: 'closed a connection',
      summary: 'closed connections',
      kindField: 'reason',
      countsField: 'reasons',
      windowMs,
    });
    this.refusals = new EventSummary((m, f) => log.warn(m, f), {
      first: 'connection limit reached: refusing new connections',
      summary: 'connections refused at the limit',
      kindField: 'how',
      countsField: 'refused',
      windowMs,
    });
    this.acceptErrors = new EventSummary((m, f) => log.error(m, f), {
      first: 'cannot accept connections: out of file descriptors',
      summary: 'accept failures',
      kindField: 'code',
      countsField: 'codes',
      windowMs,
    });
  }

  /** Starts the first incarnation's listener (errors here are fatal), then runs the restart loop. */
  async start(): Promise<void> {
    if (this.maxConnections < this.cfg.maxConnections) {
      this.cfg.logger.warn('max connections lowered to fit the open-file limit (ulimit -n)', {
        requested: this.cfg.maxConnections,
        maxConnections: this.maxConnections,
        openFileLimit: this.fdLimit,
      });
    }
    const first = await this.open(1);
    let loopError: { err: unknown } | undefined;
    this.loop = this.run(first).then(
      () => undefined,
      (err: unknown) => void (loopError = { err }),
    );
    // Outside the loop's own promise: fail() runs shutdown(), which waits for the loop to end.
    void this.loop.then(() => {
      if (loopError) void this.fail(loopError.err);
    });
  }

  /**
   * An error ended the restart or registration loop: a server that keeps listening while nobody can find it
   * (and says nothing) is worse than one that exits, so close the listener, deregister if Consul lets us, and
   * hand over to onFatal (the CLI exits 1; Compose's restart policy brings it back).
   */
  private fail(err: unknown): Promise<void> {
    if (this.failing || this.stopping) return this.fatal ?? Promise.resolve();
    this.failing = true;
    this.cfg.logger.error('fatal error, shutting down', { error: consulErrorText(err) });
    this.fatal = (async () => {
      await Promise.race([this.shutdown().catch(() => undefined), sleep(FATAL_CLEANUP_MS)]);
      this.cfg.onFatal?.(err);
    })();
    return this.fatal;
  }

  /**
   * SIGINT/SIGTERM: deregister, close, done — quickly, and never leaving a registration behind. During a fatal
   * error's clean-up it waits for that instead and rejects, so that the process exits 1 (as the fatal path
   * promises), not 0 while the deregistration is still under way.
   */
  async stop(): Promise<void> {
    if (this.fatal) {
      await this.fatal;
      throw new Error('a fatal error ended the server (see the line above)');
    }
    await this.shutdown();
  }

  private async shutdown(): Promise<void> {
    this.stopping = true;
    this.sleeps.wake({ stop: true });
    // A restart step in flight (e.g. a register call) gets a moment to finish so its incarnation is known
    // and can be deregistered, but shutdown does not wait on a slow Consul for long.
    if (this.loop) await Promise.race([this.loop, sleep(500)]);
    // Both, during a make-before-break handover; one already retiring is left to the loop's retire, as before.
    // De-duplicated: until the next incarnation listens (up to MAX_LISTEN_FAILURES retries), `current` is still
    // the old one that `previous` names too, and retiring it twice would deregister, drain and close it twice.
    const live = [...new Set([this.current, this.previous])].filter((i): i is Incarnation => i !== undefined && !i.retiring);
    this.current = undefined;
    this.previous = undefined;
    await Promise.all(live.map((i) => this.retire(i, SHUTDOWN_DRAIN_MS, SHUTDOWN_CLOSE_GRACE_MS, false)));
    // What was counted but not yet logged.
    this.closes.flush();
    this.refusals.flush();
    this.acceptErrors.flush();
  }

  private async run(first: Incarnation): Promise<void> {
    let inc: Incarnation | undefined = first;
    await this.register(inc);
    for (let n = 2; ; n++) {
      if (this.stopping) return;
      const [lo, hi] = this.cfg.restartEveryMs;
      if (hi === 0) return; // never restarts; stop() retires the incarnation
      // Learn who else is passing now, while we are not in a gap ourselves (see waitForPeers).
      await this.observePeers().catch(() => undefined);
      const waitMs = Math.round(lo + this.random() * (hi - lo));
      inc.log.info('next restart scheduled', { inMs: waitMs });
      await this.sleeps.sleep(waitMs);
      if (this.stopping) return;
      if (this.cfg.restartMode === MAKE_BEFORE_BREAK) {
        inc = await this.makeBeforeBreak(inc, n);
        if (!inc) return;
        continue;
      }
      await this.waitForPeers(inc);
      if (this.stopping) return;
      this.current = undefined;
      await this.retire(inc, this.cfg.drainMs, CLOSE_GRACE_MS, true);
      if (this.stopping) return;
      inc = await this.openWithRetries(n);
      if (!inc) return;
      await this.register(inc);
    }
  }

  /**
   * The next incarnation listens, registers and is passing in Consul; only then does the old one deregister, drain
   * and close. Both are registered for a moment, and a client that picked the old one just before it deregistered
   * still gets its reply (retire()'s drain). No gap, so no waiting for peers either. Returns the new incarnation,
   * registered, or undefined when stopping (shutdown() then retires whichever of the two is not retiring yet).
   */
  private async makeBeforeBreak(old: Incarnation, n: number): Promise<Incarnation | undefined> {
    this.previous = old;
    old.log.info('make-before-break: starting the next incarnation before retiring this one', { next: n });
    const next = await this.openWithRetries(n);
    if (!next || this.stopping) return undefined;
    await this.register(next);
    if (this.stopping) return undefined;
    const started = Date.now();
    const passing = await this.waitUntilPassing(next);
    if (this.stopping) return undefined;
    const waitedMs = Date.now() - started;
    if (passing) old.log.info('make-before-break: new incarnation passing, retiring the old one', { next: next.id, waitedMs });
    else old.log.warn('make-before-break: new incarnation not passing in time, retiring the old one anyway', { next: next.id, waitedMs });
    this.previous = undefined;
    await this.retire(old, this.cfg.drainMs, CLOSE_GRACE_MS, true);
    return this.stopping ? undefined : next;
  }

  /** Listen for incarnation n; a failure is retried every second, the old incarnation (if any) still serving. */
  private async openWithRetries(n: number): Promise<Incarnation | undefined> {
    for (let failures = 1; !this.stopping; failures++) {
      try {
        return await this.open(n);
      } catch (err) {
        // Bad input (the bound address is gone) or a failure that keeps coming back: a server neither listening
        // nor registered must not stay up saying only this; ending it (fail(), exit 1) lets a supervisor act.
        if (err instanceof UsageError || failures >= MAX_LISTEN_FAILURES) throw err;
        this.cfg.logger.error('listen failed, retrying', { error: errorMessage(err), retryInMs: REGISTER_RETRY_MS });
        await this.sleeps.sleep(REGISTER_RETRY_MS);
      }
    }
    return undefined;
  }

  /**
   * Poll the health API (what clients ask, through the same agent) until `inc` is listed as passing: false after
   * passingTimeoutMs. Errors count as "not yet": Consul being away is what the timeout is for.
   */
  private async waitUntilPassing(inc: Incarnation): Promise<boolean> {
    const deadline = Date.now() + (this.cfg.passingTimeoutMs ?? PASSING_TIMEOUT_MS);
    while (!this.stopping) {
      const ids = await passingServiceIds(this.cfg.consul, this.consulTimeoutMs).catch(() => [] as string[]);
      if (ids.includes(inc.id)) return true;
      if (Date.now() >= deadline) return false;
      await this.sleeps.sleep(PASSING_POLL_MS);
    }
    return false;
  }

  /**
   * High availability with several servers: don't open a restart gap while a peer is in its own (see
   * PeerTracker). Alone, or with Consul unreachable, this returns at once.
   */
  private async waitForPeers(inc: Incarnation): Promise<void> {
    const started = Date.now();
    let deferred = false;
    while (!this.stopping) {
      let missing: string[];
      try {
        missing = await this.observePeers();
      } catch {
        return; // nothing to coordinate with; the restart goes ahead as scheduled
      }
      const waitedMs = Date.now() - started;
      if (missing.length === 0) {
        if (deferred) inc.log.info('peer back, restarting now', { waitedMs });
        return;
      }
      if (waitedMs >= MAX_PEER_WAIT_MS) {
        inc.log.warn('peer still missing, restarting anyway', { peers: missing, waitedMs });
        return;
      }
      if (!deferred) inc.log.info('deferring restart: a peer is in its restart gap', { peers: missing });
      deferred = true;
      await this.sleeps.sleep(PEER_POLL_MS);
    }
  }

  private async observePeers(): Promise<string[]> {
    return this.peers.observe(await passingServiceIds(this.cfg.consul, this.consulTimeoutMs));
  }

  /** Listen on a new OS-chosen port with this incarnation's protocol. */
  private async open(n: number): Promise<Incarnation> {
    const version = this.cfg.version ?? VERSIONS[Math.floor(this.random() * VERSIONS.length)]!;
    let listener: net.Server;
    try {
      listener = await listen(this.cfg.bind);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EADDRNOTAVAIL') throw new UsageError(`--bind ${this.cfg.bind}: not an address of this machine`);
      throw err;
    }
    const port = (listener.address() as net.AddressInfo).port;
    const id = serviceIdFor(this.instancePrefix, n);
    const log = this.cfg.logger.child({ serviceId: id });
    const connections = new Set<ServedConnection>();
    // A backstop over our own count (see refuse()): past it, Node closes new connections itself (no error line,
    // logged as dropped), so that a burst of refused connections on their way out cannot take the process past
    // its open-file limit. As much headroom as the limit leaves, between 32 and 1024.
    const headroom =
      this.fdLimit === undefined ? 1024 : Math.max(FD_RESERVE / 2, Math.min(1024, this.fdLimit - this.maxConnections - FD_RESERVE / 2));
    listener.maxConnections = this.maxConnections + headroom;
    listener.on('drop', (d?: { remoteAddress?: string; remotePort?: number }) =>
      this.refusals.record('dropped', { maxConnections: this.maxConnections, peer: `${d?.remoteAddress}:${d?.remotePort}` }),
    );
    listener.on('connection', (socket) => {
      if (this.openConnections >= this.maxConnections) return this.refuse(socket);
      this.openConnections++;
      const c = serveConnection(socket, {
        version,
        lineTimeoutMs: this.cfg.lineTimeoutMs,
        idleTimeoutMs: this.cfg.idleTimeoutMs,
        maxReplyBacklogBytes: this.cfg.maxReplyBacklogBytes,
        logger: log,
        onClose: (reason, peer) => this.closes.record(reason, { peer }),
      });
      connections.add(c);
      void c.closed.then(() => {
        connections.delete(c);
        this.openConnections--;
      });
    });
    listener.on('error', (err: NodeJS.ErrnoException) => {
      // Out of file descriptors: log it (summarised), instead of clients being reset with nothing said.
      if (err.code === 'EMFILE' || err.code === 'ENFILE') {
        this.acceptErrors.record(err.code, { openConnections: this.openConnections, openFileLimit: this.fdLimit });
      } else {
        log.error('listener error', { error: err.message });
      }
    });
    const inc: Incarnation = { n, id, version, port, listener, connections, log, registerSent: false, retiring: false };
    this.current = inc;
    log.info('listening', { version, bind: `${this.cfg.bind}:${port}` });
    return inc;
  }

  /**
   * Over the limit: one line telling the client why, then close. The socket is read (and dropped) until
   * then, because closing a socket with unread input sends a reset that can overtake our line.
   */
  private refuse(socket: net.Socket): void {
    this.refusals.record('refused', { maxConnections: this.maxConnections, peer: `${socket.remoteAddress}:${socket.remotePort}` });
    socket.on('error', () => undefined);
    socket.resume();
    // Short: a refused connection holds a file descriptor until it is destroyed. A moment after our line is
    // handed to the kernel (so that what the client sent on connecting has been read), or 200 ms at most.
    socket.end('error: too many connections\n', () => setTimeout(() => socket.destroy(), 20).unref());
    setTimeout(() => socket.destroy(), 200).unref();
  }

  /**
   * Register through the local agent; retried every second while Consul is unreachable (start order in Compose
   * is not guaranteed). An error retrying cannot fix is thrown, and ends the server (see fail()). A loop until
   * shutdown with a pause that shutdown cuts short (WakeableSleep), not a bounded backoff: no case for p-retry.
   */
  private async register(inc: Incarnation): Promise<void> {
    const reg = this.registrationOf(inc);
    while (!this.stopping) {
      try {
        inc.registerSent = true;
        await registerService(this.cfg.consul, reg, this.consulTimeoutMs);
        // A gap exists only in break-before-make; in make-before-break the old incarnation is still registered.
        const gap =
          this.lastDeregisteredAt === undefined || this.cfg.restartMode === MAKE_BEFORE_BREAK
            ? undefined
            : Date.now() - this.lastDeregisteredAt;
        inc.log.info('registered', {
          version: inc.version,
          address: `${this.cfg.advertise}:${inc.port}`,
          check: `tcp ${this.cfg.advertise}:${inc.port} every 1s`,
          ...(gap === undefined ? {} : { gapSinceDeregisterMs: gap }),
        });
        if (!this.stopping && !inc.retiring) inc.watch = this.watch(inc);
        return;
      } catch (err) {
        if (isPermanentConsulError(err)) {
          // Refused, so it did not land: nothing to deregister.
          inc.registerSent = false;
          throw err;
        }
        inc.log.warn('registration failed, retrying', { error: consulErrorText(err), retryInMs: REGISTER_RETRY_MS });
        if (this.stopping) return;
        await this.sleeps.sleep(REGISTER_RETRY_MS);
        if (this.stopping) return;
      }
    }
  }

  private registrationOf(inc: Incarnation): RegistrationInput {
    return { id: inc.id, version: inc.version, address: this.cfg.advertise, port: inc.port, restartMode: this.cfg.restartMode };
  }

  /** Keep the incarnation registered while it lives (an agent restarted without its data forgets it). */
  private watch(inc: Incarnation): RegistrationWatch {
    const reg = this.registrationOf(inc);
    return watchRegistration({
      isRegistered: () => isRegisteredLocally(this.cfg.consul, inc.id, this.consulTimeoutMs),
      register: () => registerService(this.cfg.consul, reg, this.consulTimeoutMs),
      intervalMs: this.cfg.registrationCheckMs ?? REGISTRATION_CHECK_MS,
      logger: inc.log,
      isPermanent: isPermanentConsulError,
      onPermanentError: (err) => void this.fail(err),
    });
  }

  /**
   * Deregister first, so discovery stops handing out this address; keep answering for `drainMs`,
   * because a client that looked us up a moment before the deregistration (or read a slightly stale
   * answer) is already on its way; then stop accepting, let open connections finish their line, close.
   * Without the drain, every lookup that raced the deregistration would hit a closed port.
   */
  private async retire(inc: Incarnation, drainMs: number, closeGraceMs: number, interruptible: boolean): Promise<void> {
    inc.retiring = true;
    // Before deregistering: a re-registration must never land after it. On shutdown only briefly (the 2 s
    // budget); a check still in flight then has its answer dropped (the watch is stopped), and a
    // re-registration already sent is undone by deregistering once more when it has ended.
    const watchStopped = inc.watch?.stop();
    let watchInFlight = false;
    if (watchStopped) {
      if (interruptible) await watchStopped;
      else watchInFlight = !(await Promise.race([watchStopped.then(() => true), sleep(SHUTDOWN_WATCH_STOP_MS).then(() => false)]));
    }
    if (inc.registerSent) {
      inc.log.info('deregistering', { reason: interruptible ? 'restart' : 'shutdown' });
      try {
        await deregisterService(this.cfg.consul, inc.id, this.consulTimeoutMs);
        inc.log.info('deregistered');
      } catch (err) {
        inc.log.warn('deregistration failed; Consul removes the instance once its check has been critical for 1m', {
          error: errorMessage(err),
        });
      }
      if (watchInFlight) {
        void watchStopped!.then(() => deregisterService(this.cfg.consul, inc.id, this.consulTimeoutMs)).catch(() => undefined);
      }
    }
    this.lastDeregisteredAt = Date.now();
    if (drainMs > 0) {
      inc.log.info('draining: still answering clients that found us before the deregistration', { drainMs });
      await (interruptible ? this.sleeps.sleep(drainMs) : sleep(drainMs));
    }
    const listenerClosed = new Promise<void>((r) => inc.listener.close(() => r()));
    for (const c of inc.connections) c.drain();
    inc.log.info('stopped accepting', { openConnections: inc.connections.size });
    await Promise.race([Promise.all([...inc.connections].map((c) => c.closed)), sleep(closeGraceMs)]);
    for (const c of inc.connections) c.destroy();
    await listenerClosed;
    inc.log.info('closed', { port: inc.port });
  }
}
