/*
 * Fakes for the registrator's unit tests: a Docker with containers and an event stream the test drives, a Consul
 * agent that keeps services in memory (and fails when told), a clock whose time only moves when the test says.
 */
import type { RegistratorLastDie } from '../../shared/consul/schemas';
import type { ServiceRegistration } from '../labels';
import type { AgentService, Clock, ConsulSide, Container, ContainerEvent, DockerSide, EventStream } from '../registrator';

/** An event stream the test pushes to, ends or breaks. */
export class FakeStream implements EventStream {
  private queue: ContainerEvent[] = [];
  private done: { error?: Error } | undefined;
  private wake: (() => void) | undefined;
  closed = false;

  push(event: ContainerEvent): void {
    this.queue.push(event);
    this.wake?.();
  }
  end(error?: Error): void {
    this.done = { error };
    this.wake?.();
  }
  close(): void {
    this.closed = true;
    this.end();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<ContainerEvent> {
    for (;;) {
      const next = this.queue.shift();
      if (next !== undefined) {
        yield next;
        continue;
      }
      if (this.done) {
        if (this.done.error) throw this.done.error;
        return;
      }
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
    }
  }
}

export class FakeDocker implements DockerSide {
  readonly containers = new Map<string, Container>();
  readonly streams: FakeStream[] = [];
  /** Calls to events() that fail before one succeeds. */
  failSubscribes = 0;
  calls: string[] = [];

  add(c: Container): void {
    this.containers.set(c.id, c);
  }
  get stream(): FakeStream {
    const s = this.streams.at(-1);
    if (s === undefined) throw new Error('no stream yet');
    return s;
  }

  async running(): Promise<Container[]> {
    this.calls.push('running');
    return [...this.containers.values()].filter((c) => c.running).map((c) => ({ ...c }));
  }
  async inspect(id: string): Promise<Container | undefined> {
    this.calls.push(`inspect ${id}`);
    const c = this.containers.get(id);
    return c && { ...c };
  }
  async events(): Promise<EventStream> {
    this.calls.push('events');
    if (this.failSubscribes > 0) {
      this.failSubscribes--;
      throw new Error('connect ENOENT /var/run/docker.sock');
    }
    const s = new FakeStream();
    this.streams.push(s);
    return s;
  }
}

/** What a transient agent failure looks like from the `consul` client (no status: not a refusal). */
export function unreachable(): Error {
  return Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8500'), { code: 'ECONNREFUSED' });
}

export class FakeConsul implements ConsulSide {
  readonly services_ = new Map<string, { registration?: ServiceRegistration; meta: Record<string, string> }>();
  lastDie: RegistratorLastDie | undefined;
  /** The next this-many calls fail as an unreachable agent. */
  failNext = 0;
  calls: string[] = [];

  /** A service registered by someone else (a hand registration, a self-registering workload). */
  addForeign(id: string, meta: Record<string, string> = {}): void {
    this.services_.set(id, { meta });
  }
  ids(): string[] {
    return [...this.services_.keys()].sort();
  }

  private maybeFail(call: string): void {
    this.calls.push(call);
    if (this.failNext > 0) {
      this.failNext--;
      throw unreachable();
    }
  }
  async services(): Promise<AgentService[]> {
    this.maybeFail('services');
    return [...this.services_.entries()].map(([id, s]) => ({ id, meta: { ...s.meta } }));
  }
  async register(r: ServiceRegistration): Promise<void> {
    this.maybeFail(`register ${r.id}`);
    this.services_.set(r.id, { registration: r, meta: { ...r.meta } });
  }
  async deregister(id: string): Promise<void> {
    this.maybeFail(`deregister ${id}`);
    this.services_.delete(id);
  }
  async writeLastDie(record: RegistratorLastDie): Promise<void> {
    this.maybeFail('writeLastDie');
    this.lastDie = record;
  }
}

/** Time moves only by advance(); sleeps end when their time has come, or at once when their signal aborts. */
export class FakeClock implements Clock {
  private t: number;
  private sleepers: { at: number; resolve: () => void }[] = [];
  readonly slept: number[] = [];

  constructor(startMs = Date.parse('2026-12-07T10:00:00.000Z')) {
    this.t = startMs;
  }
  now(): number {
    return this.t;
  }
  sleep(ms: number, signal: AbortSignal): Promise<void> {
    this.slept.push(ms);
    if (signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const sleeper = { at: this.t + ms, resolve };
      this.sleepers.push(sleeper);
      signal.addEventListener(
        'abort',
        () => {
          this.sleepers = this.sleepers.filter((s) => s !== sleeper);
          resolve();
        },
        { once: true },
      );
    });
  }
  /** Move time on by `ms`, waking every sleep that is due, and let what they start run. */
  async advance(ms: number): Promise<void> {
    this.t += ms;
    const due = this.sleepers.filter((s) => s.at <= this.t);
    this.sleepers = this.sleepers.filter((s) => s.at > this.t);
    for (const s of due) s.resolve();
    await settle();
  }
}

/** Let every pending promise chain run (a few macrotask turns). */
export async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
}

export const HOST_CONTAINER = 'a'.repeat(64);

/** A running workload in host-b's namespace of project `lab`, labelled for the registrator. */
export function workload(id: string, name: string, labels: Record<string, string> = {}): Container {
  return {
    id,
    name: `/${name}`,
    running: true,
    networkMode: `container:${HOST_CONTAINER}`,
    labels: {
      'com.docker.compose.project': 'lab',
      'lab.registrator': 'host-b',
      'lab.service.name': 'workshop',
      'lab.service.port': '8083',
      'lab.service.check.http': '/health',
      ...labels,
    },
  };
}

/** Docker's event for `c` (its labels and name in the attributes, as Docker sends them). */
export function eventFor(c: Container, action: 'start' | 'die', atMs: number, exitCode?: number): ContainerEvent {
  return {
    action,
    id: c.id,
    attributes: { ...c.labels, name: c.name.replace(/^\//, ''), ...(exitCode === undefined ? {} : { exitCode: String(exitCode) }) },
    atMs,
  };
}
