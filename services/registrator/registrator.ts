/*
 * The registrator's loop, for ONE simulated host: watch its Docker containers, register the ones labelled for it
 * through the host's agent, deregister them when they die, and reconcile both sides now and then. Docker, Consul
 * and the clock are injected (dockerSide.ts, consulSide.ts in the program; testdata/fakes.ts in the unit tests).
 *
 * Every change goes through one queue (`exclusive`): an event and a reconcile never interleave, so neither acts on
 * what the other has just changed.
 */
import { isPermanentConsulError, consulErrorText } from '../shared/consul/errors';
import type { RegistratorLastDie } from '../shared/consul/schemas';
import { errorMessage } from '../shared/errors';
import type { Logger } from '../shared/logger';
import { registrationFromLabels, type ServiceRegistration } from './labels';
import {
  COMPOSE_LABELS,
  REGISTERED_BY,
  REGISTERED_BY_META,
  REGISTRATOR_CONTAINER_META,
  REGISTRATOR_LABELS,
  shortContainerId,
} from './names';

/** A container as the registrator needs it (from a list or an inspect). */
export interface Container {
  id: string;
  /** Docker's name, with or without the leading "/". */
  name: string;
  running: boolean;
  /** HostConfig.NetworkMode: `container:<id>` for a workload in a host's namespace. */
  networkMode: string;
  labels: Record<string, string>;
}

/** A Docker container event (start or die). */
export interface ContainerEvent {
  action: string;
  id: string;
  /** Actor.Attributes: the container's labels, plus `name` and (die) `exitCode`. */
  attributes: Record<string, string>;
  /** When Docker saw it, ms since the epoch (from timeNano). */
  atMs: number;
}

/** A subscription to Docker's events: iterating ends (or throws) when the stream does. */
export interface EventStream extends AsyncIterable<ContainerEvent> {
  close(): void;
}

/** The Docker side, already narrowed to this host's labels (lab.registrator=<host>, the Compose project). */
export interface DockerSide {
  /** Running containers with the labels. */
  running(): Promise<Container[]>;
  /** undefined when Docker has no such container (any more). */
  inspect(id: string): Promise<Container | undefined>;
  /** Resolves once subscribed (start and die events with the labels). */
  events(): Promise<EventStream>;
}

/** One of the agent's own services, as the registrator reads it. */
export interface AgentService {
  id: string;
  meta: Record<string, string>;
}

/** The host's Consul agent. */
export interface ConsulSide {
  services(): Promise<AgentService[]>;
  register(registration: ServiceRegistration): Promise<void>;
  deregister(serviceId: string): Promise<void>;
  writeLastDie(record: RegistratorLastDie): Promise<void>;
}

export interface Clock {
  now(): number;
  /** Resolves after `ms`, or at once when `signal` aborts (never rejects). */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

export interface RegistratorOptions {
  docker: DockerSide;
  consul: ConsulSide;
  clock: Clock;
  logger: Logger;
  /** The simulated host (`lab.registrator=<host>`) and the Compose project, checked again on each container. */
  host: string;
  project: string;
  /** The host's own container: a workload is admitted only in its network namespace (`container:<this id>`). */
  hostContainerId: string;
  reconcileIntervalMs?: number;
  /** Reconnecting the event stream and retrying a failed reconcile: initialMs doubling to maxMs. */
  backoff?: { initialMs: number; maxMs: number };
}

export const DEFAULT_RECONCILE_INTERVAL_MS = 15_000;
export const DEFAULT_BACKOFF = { initialMs: 500, maxMs: 5000 };

/** A failure of the agent that has already been logged (once per outage): the caller says nothing more. */
class AgentDown extends Error {
  override name = 'AgentDown';
}

export interface Health {
  ok: boolean;
  reason: string;
}

export class Registrator {
  private readonly o: Required<RegistratorOptions>;
  private readonly log: Logger;
  private readonly stopping = new AbortController();
  private wakeReconcile = new AbortController();
  private chain: Promise<unknown> = Promise.resolve();
  private stream: EventStream | undefined;
  private connected = false;
  private reconciled: Health = { ok: false, reason: 'not reconciled yet' };
  /** A change failed: reconcile again soon (backoff), not in 15 s. */
  private dirty = false;
  private agentDown = false;
  /** Container ID → the service ID registered for it (what a die deregisters). */
  private readonly known = new Map<string, string>();
  /** Container ID → the last warning about it, so a refused container is not reported every 15 s. */
  private readonly warned = new Map<string, string>();

  constructor(opts: RegistratorOptions) {
    this.o = { reconcileIntervalMs: DEFAULT_RECONCILE_INTERVAL_MS, backoff: DEFAULT_BACKOFF, ...opts };
    this.log = opts.logger;
  }

  /** 200 for the container's healthcheck when the stream is connected and the last reconcile succeeded. */
  health(): Health {
    if (!this.connected) return { ok: false, reason: 'Docker event stream not connected' };
    return this.reconciled;
  }

  /** Runs until stop(). */
  async run(): Promise<void> {
    await Promise.all([this.streamLoop(), this.reconcileLoop()]);
  }

  /**
   * Stop watching. Registrations stay as they are: the workloads outlive the registrator (a restart of it must not
   * take every service on the host out of discovery), and a new registrator reconciles what changed meanwhile.
   */
  stop(): void {
    this.stopping.abort();
    this.stream?.close();
  }

  private get stopped(): boolean {
    return this.stopping.signal.aborted;
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn);
    this.chain = run.catch(() => undefined);
    return run;
  }

  // ---- the event stream ----------------------------------------------------------------------------------------

  private async streamLoop(): Promise<void> {
    const { initialMs, maxMs } = this.o.backoff;
    let delay = initialMs;
    while (!this.stopped) {
      let stream: EventStream;
      try {
        stream = await this.o.docker.events();
      } catch (err) {
        this.log.warn('cannot subscribe to Docker events; retrying', { retryInMs: delay, error: errorMessage(err) });
        await this.o.clock.sleep(delay, this.stopping.signal);
        delay = Math.min(delay * 2, maxMs);
        continue;
      }
      if (this.stopped) {
        stream.close();
        break;
      }
      this.stream = stream;
      this.connected = true;
      const since = this.o.clock.now();
      this.log.info('watching Docker events', { host: this.o.host, project: this.o.project });
      // Subscribed BEFORE listing: a container that starts or dies meanwhile is in the list, or in the stream after it.
      await this.exclusive(() => this.reconcile('event stream connected'));
      let error: unknown;
      try {
        for await (const event of stream) await this.exclusive(() => this.handleEvent(event));
      } catch (err) {
        error = err;
      }
      this.connected = false;
      this.stream = undefined;
      if (this.stopped) break;
      // A stream that lived a while was a good connection: start the backoff again from its beginning.
      if (this.o.clock.now() - since >= maxMs) delay = initialMs;
      this.log.warn('Docker event stream ended; reconnecting', {
        retryInMs: delay,
        ...(error === undefined ? {} : { error: errorMessage(error) }),
      });
      await this.o.clock.sleep(delay, this.stopping.signal);
      delay = Math.min(delay * 2, maxMs);
    }
  }

  /** One event, never throwing: a failure marks a reconcile due, soon. */
  private async handleEvent(event: ContainerEvent): Promise<void> {
    try {
      if (event.action === 'start') await this.onStart(event.id);
      else if (event.action === 'die') await this.onDie(event);
    } catch (err) {
      this.failed(`handling ${event.action} of ${shortContainerId(event.id)}`, err);
    }
  }

  private async onStart(id: string): Promise<void> {
    const container = await this.o.docker.inspect(id);
    // Gone or dead again already: its die event follows, or the next reconcile sees it.
    if (container === undefined || !container.running) return;
    const services = await this.agent(() => this.o.consul.services());
    await this.ensure(container, new Map(services.map((s) => [s.id, s])));
  }

  /**
   * Deregister at once, from what the event says: the container may be gone already, so it is not inspected. Only a
   * registration of this container: one the registrator made for it (known), or, after a restart of the
   * registrator, one whose Meta names this container.
   */
  private async onDie(event: ContainerEvent): Promise<void> {
    const short = shortContainerId(event.id);
    let serviceId = this.known.get(event.id);
    if (serviceId === undefined) {
      const fromLabels = registrationFromLabels(event.attributes, event.id, event.attributes.name ?? '');
      if (!fromLabels.ok) return;
      const services = await this.agent(() => this.o.consul.services());
      const mine = services.find((s) => s.id === fromLabels.registration.id && ownedBy(s, short));
      if (mine === undefined) return;
      serviceId = mine.id;
    }
    await this.agent(() => this.o.consul.deregister(serviceId));
    const deregisteredAt = this.o.clock.now();
    this.known.delete(event.id);
    this.warned.delete(event.id);
    const code = event.attributes.exitCode;
    const exitCode = code !== undefined && /^[0-9]{1,10}$/.test(code) ? Number(code) : null;
    const ms = Math.max(0, Math.round(deregisteredAt - event.atMs));
    this.log.info('container died: deregistered', { serviceId, container: short, exitCode, ms });
    const record: RegistratorLastDie = {
      serviceId,
      container: short,
      exitCode,
      eventAt: new Date(event.atMs).toISOString(),
      deregisteredAt: new Date(deregisteredAt).toISOString(),
      ms,
    };
    try {
      await this.agent(() => this.o.consul.writeLastDie(record));
    } catch (err) {
      // The deregistration is what matters; the record is for the lesson. Not retried.
      if (!(err instanceof AgentDown)) this.log.warn('cannot write the last-die record', { error: consulErrorText(err) });
    }
  }

  // ---- reconcile -----------------------------------------------------------------------------------------------

  private async reconcileLoop(): Promise<void> {
    const { initialMs, maxMs } = this.o.backoff;
    let retry = initialMs;
    while (!this.stopped) {
      this.wakeReconcile = new AbortController();
      const wait = this.dirty ? retry : this.o.reconcileIntervalMs;
      await this.o.clock.sleep(wait, AbortSignal.any([this.stopping.signal, this.wakeReconcile.signal]));
      if (this.stopped) break;
      // Woken by a failure: wait the retry delay (dirty now), not the rest of the interval, and not 0 either.
      if (this.wakeReconcile.signal.aborted) continue;
      // Without a stream the stream loop reconciles as it reconnects.
      if (!this.connected) continue;
      const ok = await this.exclusive(() => this.reconcile('periodic'));
      retry = ok ? initialMs : Math.min(retry * 2, maxMs);
    }
  }

  /**
   * Running containers that match → registered; the agent's registrator-owned services whose container is not
   * running any more → deregistered. A service the registrator does not own is never touched.
   */
  private async reconcile(why: string): Promise<boolean> {
    try {
      const containers = await this.o.docker.running();
      const services = await this.agent(() => this.o.consul.services());
      const byId = new Map(services.map((s) => [s.id, s]));
      const runningShort = new Set<string>();
      const ensured = new Set<string>();
      for (const c of containers) {
        if (!c.running || !this.admits(c)) continue;
        runningShort.add(shortContainerId(c.id));
        const serviceId = await this.ensure(c, byId);
        if (serviceId !== undefined) ensured.add(serviceId);
      }
      for (const s of services) {
        if (s.meta[REGISTERED_BY_META] !== REGISTERED_BY.registrator || ensured.has(s.id)) continue;
        if (runningShort.has(s.meta[REGISTRATOR_CONTAINER_META] ?? '')) continue;
        await this.agent(() => this.o.consul.deregister(s.id));
        this.log.info('deregistered: its container is not running any more', {
          serviceId: s.id,
          container: s.meta[REGISTRATOR_CONTAINER_META],
        });
      }
      for (const id of this.known.keys()) if (!runningShort.has(shortContainerId(id))) this.known.delete(id);
      for (const id of this.warned.keys()) if (!containers.some((c) => c.id === id)) this.warned.delete(id);
      if (!this.reconciled.ok && this.reconciled.reason !== 'not reconciled yet') this.log.info('reconciled again', { why });
      this.reconciled = { ok: true, reason: 'ok' };
      this.dirty = false;
      return true;
    } catch (err) {
      this.reconciled = { ok: false, reason: `last reconcile failed: ${err instanceof AgentDown ? err.message : errorMessage(err)}` };
      if (!(err instanceof AgentDown)) this.log.warn('reconcile failed; retrying', { why, error: errorMessage(err) });
      this.dirty = true;
      this.wakeReconcile.abort();
      return false;
    }
  }

  // ---- one container -------------------------------------------------------------------------------------------

  /**
   * The labels alone never let a container in: it must carry this host's and this project's labels AND live in the
   * host's network namespace (its checks and its address are the host's), so another project's or another host's
   * container with a copied label is ignored.
   */
  private admits(c: Container): boolean {
    const ok =
      c.labels[REGISTRATOR_LABELS.host] === this.o.host &&
      c.labels[COMPOSE_LABELS.project] === this.o.project &&
      c.networkMode === `container:${this.o.hostContainerId}`;
    if (!ok) {
      this.warnOnce(c.id, `ignored: not in ${this.o.host}'s network namespace, or not of project ${this.o.project}`, {
        container: shortContainerId(c.id),
        name: c.name.replace(/^\//, ''),
        networkMode: c.networkMode,
      });
    }
    return ok;
  }

  /** Register `c` unless the agent already has its registration; the service ID, or undefined when none is made. */
  private async ensure(c: Container, services: Map<string, AgentService>): Promise<string | undefined> {
    if (!this.admits(c)) return undefined;
    const short = shortContainerId(c.id);
    const name = c.name.replace(/^\//, '');
    const r = registrationFromLabels(c.labels, c.id, name);
    if (!r.ok) {
      this.warnOnce(c.id, 'labels refused: container not registered', { container: short, name, reason: r.reason });
      return undefined;
    }
    const reg = r.registration;
    const existing = services.get(reg.id);
    if (existing !== undefined && existing.meta[REGISTERED_BY_META] !== REGISTERED_BY.registrator) {
      this.warnOnce(c.id, 'service ID already registered by someone else: left alone, container not registered', {
        container: short,
        serviceId: reg.id,
      });
      return undefined;
    }
    if (existing === undefined || !ownedBy(existing, short)) {
      try {
        await this.agent(() => this.o.consul.register(reg));
      } catch (err) {
        if (err instanceof AgentDown || !isPermanentConsulError(err)) throw err;
        // Asking again cannot fix a refusal (an invalid check, a token without the permission): say it once.
        this.warnOnce(c.id, 'the Consul agent refused the registration', {
          container: short,
          serviceId: reg.id,
          error: consulErrorText(err),
        });
        return undefined;
      }
      this.log.info('registered', {
        serviceId: reg.id,
        service: reg.name,
        port: reg.port,
        container: short,
        check: reg.check.http ?? `tcp ${reg.check.tcp}`,
      });
    }
    this.known.set(c.id, reg.id);
    this.warned.delete(c.id);
    return reg.id;
  }

  // ---- errors ----------------------------------------------------------------------------------------------------

  /**
   * A call to the agent. A refusal (isPermanentConsulError) is the caller's to report; any other failure is an
   * outage, logged once until a call succeeds again, and thrown as AgentDown.
   */
  private async agent<T>(call: () => Promise<T>): Promise<T> {
    try {
      const result = await call();
      if (this.agentDown) {
        this.agentDown = false;
        this.log.info('Consul agent reachable again');
      }
      return result;
    } catch (err) {
      if (isPermanentConsulError(err)) throw err;
      if (!this.agentDown) {
        this.agentDown = true;
        this.log.warn('Consul agent unreachable; retrying', { error: consulErrorText(err) });
      }
      throw new AgentDown(`Consul agent unreachable: ${consulErrorText(err)}`, { cause: err });
    }
  }

  /** A change that failed: reconcile again soon. */
  private failed(what: string, err: unknown): void {
    if (!(err instanceof AgentDown)) this.log.warn(`${what} failed; will reconcile`, { error: consulErrorText(err) });
    this.dirty = true;
    this.wakeReconcile.abort();
  }

  private warnOnce(containerId: string, msg: string, fields: Record<string, unknown>): void {
    const key = `${msg} ${JSON.stringify(fields)}`;
    if (this.warned.get(containerId) === key) return;
    this.warned.set(containerId, key);
    this.log.warn(msg, fields);
  }
}

/** The registration is the registrator's, for the container whose ID begins `short`. */
function ownedBy(s: AgentService, short: string): boolean {
  return s.meta[REGISTERED_BY_META] === REGISTERED_BY.registrator && s.meta[REGISTRATOR_CONTAINER_META] === short;
}
