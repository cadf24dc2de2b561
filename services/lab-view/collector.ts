/*
 * Everything the page shows, kept up to date from Consul (blocking queries; members and raft status polled
 * every second, as they cannot block) and from the demo client's /results. "What the exercises added"
 * (exercisesView.ts) the same way: blocking queries on inventory-db's and the sidecars' health, the registrator's
 * KV record, /v1/connect/intentions, /v1/connect/ca/roots and (when there is a dc2) dc2's workshop health; the
 * datacenters and the prepared-query list cannot block (Consul's docs: no blocking on /v1/catalog/datacenters or
 * /v1/query) and are polled with the members; the query is executed again on each change of either datacenter's
 * workshop health and of the query itself. Calls `onChange` after each change;
 * `snapshot()` is what /events pushes.
 */
import { withTimeout } from '../shared/async';
import type { ConsulClient } from '../shared/consul/client';
import { consulErrorText } from '../shared/consul/errors';
import { watch as consulWatch, pathWatchMethod, type Watch, type WatchMethod } from '../shared/consul/watch';
import type { Logger } from '../shared/logger';
import {
  CONSUL_DEMO_SERVICE_NAME as DEMO_SERVICE,
  registratorLastDieKey,
  WORKSHOP_SERVICE_NAME as WORKSHOP_SERVICE,
} from '../shared/names';
import { WakeableSleep } from '../shared/wakeableSleep';
import { type ClusterView, type HostView, type Member, type StateCheck, clusterView, hostsView, toMembers, toStateChecks } from './cluster';
import { type DemoRequest, fetchDemoResults } from './demoResults';
import { DEFAULT_LIMITS, type InstanceTrack, ServiceHistory } from './history';
import { toObservations } from './instances';
import {
  DC2,
  emptyExercisesView,
  type ExercisesView,
  INVENTORY_DB_SERVICE,
  type InstanceRow,
  PREPARED_QUERY,
  type QueryView,
  SIDECAR_SERVICES,
  toCa,
  toDatacenters,
  toInstanceRows,
  toIntentions,
  toLastDie,
  toQuery,
  toQueryAnswer,
} from './exercisesView';
import { REGISTRATOR_HOST } from '../exercises/facts';
import type { RoomView } from '../exercises/room';
import { type PageSeen, seeRoom } from './roomObserve';
import { readPageAvatarIds } from './roomPage';
import { RoomState } from './roomState';

const REQUEST_TIMEOUT_MS = 3000;

export interface Snapshot {
  now: number;
  /** How much of the past the timelines show, ms. */
  viewMs: number;
  consul: { reachable: boolean; error: string | null };
  cluster: ClusterView | null;
  hosts: HostView[];
  workshop: InstanceTrack[];
  demo: {
    instances: InstanceTrack[];
    client: { configured: boolean; reachable: boolean; error: string | null; requests: DemoRequest[] };
  };
  /** What exercises 6, 7 and 8 added (exercisesView.ts). */
  exercises: ExercisesView;
  /** The classroom's room (roomState.ts): active once a node student-<name> is in the catalog. */
  room: RoomView;
}

export interface CollectorOptions {
  consul: ConsulClient;
  logger: Logger;
  onChange: () => void;
  demoResultsUrl?: string;
  /** The shared Nginx page whose avatar links say who is "on the page"; read with the 1 s poll while students are in. */
  pageUrl?: string;
  /** Consul's blocking `wait`. */
  waitMs?: number;
  /** Members / leader / peers and the demo results are polled this often. */
  pollMs?: number;
  viewMs?: number;
  now?: () => number;
}

export interface Collector {
  snapshot(): Snapshot;
  stop(): Promise<void>;
}

/** One short line; fetch's "fetch failed" says why only in its cause (ECONNREFUSED, …). */
function errText(err: unknown): string {
  const cause = (err as { cause?: { code?: unknown } } | null)?.cause?.code;
  const text = consulErrorText(err) + (typeof cause === 'string' ? `: ${cause}` : '');
  return text.split('\n')[0]!.slice(0, 200);
}

export function startCollector(opts: CollectorOptions): Collector {
  const now = opts.now ?? Date.now;
  const pollMs = opts.pollMs ?? 1000;
  const viewMs = opts.viewMs ?? 2 * 60_000;
  const log = opts.logger;
  // Kept a little longer than shown, so a bar that scrolls out does not vanish mid-screen.
  const limits = { ...DEFAULT_LIMITS, windowMs: viewMs + 30_000 };
  const workshop = new ServiceHistory(limits);
  const demo = new ServiceHistory(limits);
  let consulState: Snapshot['consul'] = { reachable: false, error: 'not asked yet' };
  let members: Member[] = [];
  let checks: StateCheck[] = [];
  let cluster: ClusterView | null = null;
  let hosts: HostView[] = [];
  let lastClusterJson = '';
  let leader = '';
  let peers: string[] | null = null;
  const client: Snapshot['demo']['client'] = { configured: !!opts.demoResultsUrl, reachable: false, error: null, requests: [] };
  let lastRequestsJson = '';

  const changed = (): void => opts.onChange();
  const recompute = (): void => {
    cluster = members.length ? clusterView(members, leader, peers) : null;
    hosts = hostsView(members, checks);
    const json = JSON.stringify([cluster, hosts]);
    if (json !== lastClusterJson) {
      lastClusterJson = json;
      changed();
    }
  };

  const setReachable = (reachable: boolean, error: string | null): void => {
    if (consulState.reachable === reachable && (reachable || consulState.error === error)) return;
    if (reachable) log.info('Consul reachable');
    else log.warn('Consul not reachable; will keep trying', { error });
    consulState = { reachable, error };
    changed();
  };

  // Blocking queries: each health change reaches the page as soon as Consul answers.
  const watchErrors = new Map<string, string>();
  const watch = (name: string, method: WatchMethod, options: Record<string, string>, onData: (b: unknown) => void): Watch =>
    consulWatch({
      consul: opts.consul,
      method,
      options,
      waitMs: opts.waitMs ?? 30_000,
      onData: (body) => {
        if (watchErrors.delete(name)) log.info('watch answering again', { watch: name });
        onData(body);
      },
      onError: (err) => {
        const e = errText(err);
        // One line per new error, not one per retry.
        if (watchErrors.get(name) !== e) log.warn('watch failed; retrying', { watch: name, error: e });
        watchErrors.set(name, e);
      },
    });
  const observe = (history: ServiceHistory) => (body: unknown) => {
    if (history.observe(toObservations(body), now())) changed();
  };
  // --- What the exercises added -------------------------------------------------------------------------------
  const ex = emptyExercisesView();
  let lastExJson = JSON.stringify(ex);
  const exChanged = (): void => {
    const json = JSON.stringify(ex);
    if (json === lastExJson) return;
    lastExJson = json;
    changed();
  };
  const sidecars = new Map<string, InstanceRow[]>();
  // The prepared query's answer: one execution at a time; a change during one runs it once more afterwards.
  let executing = false;
  let executeAgain = false;
  let stopping = false;
  const executeQuery = async (): Promise<void> => {
    if (!ex.datacenters.query || stopping) return;
    if (executing) {
      executeAgain = true;
      return;
    }
    executing = true;
    try {
      do {
        executeAgain = false;
        const q: QueryView | null = ex.datacenters.query;
        try {
          const body = await withTimeout(
            opts.consul.query.execute({ query: PREPARED_QUERY, timeout: REQUEST_TIMEOUT_MS } as unknown as { query: string }),
            REQUEST_TIMEOUT_MS + 500,
            `query/${PREPARED_QUERY}/execute`,
          );
          if (ex.datacenters.query === q && q) {
            q.answer = toQueryAnswer(body);
            q.error = null;
          }
        } catch (err) {
          if (ex.datacenters.query === q && q) {
            q.answer = null;
            q.error = errText(err);
          }
        }
        exChanged();
      } while (executeAgain && !stopping);
    } finally {
      executing = false;
    }
  };
  const onWorkshopHealth = (): void => void executeQuery();

  // --- The room (classroom mode): one watch on the catalog's nodes, the checks above, the page with the poll ------
  const room = new RoomState(now);
  let roomNodes: unknown = [];
  let roomPage: PageSeen = { ok: false, error: opts.pageUrl ? 'not read yet' : 'no page configured' };
  const roomLook = (): void => {
    if (room.observe(seeRoom(roomNodes, checks, roomPage))) changed();
  };
  const readRoomPage = async (url: string): Promise<void> => {
    // Only while someone is in the room: a lab without students has no reason to read its page every second.
    if (!room.view().active) return;
    try {
      roomPage = { ok: true, ids: await readPageAvatarIds(url, REQUEST_TIMEOUT_MS) };
    } catch (err) {
      roomPage = { ok: false, error: errText(err) };
    }
    roomLook();
  };

  const watches = [
    watch('health/state/any', opts.consul.health.state, { state: 'any' }, (body) => {
      checks = toStateChecks(body);
      recompute();
      roomLook();
    }),
    // Joined = the node is in the catalog: one blocking query for the whole room, never one per student.
    watch('catalog/nodes', opts.consul.catalog.node.list, {}, (body) => {
      roomNodes = body;
      roomLook();
    }),
    watch(`health/service/${WORKSHOP_SERVICE}`, opts.consul.health.service, { service: WORKSHOP_SERVICE }, (body) => {
      observe(workshop)(body);
      onWorkshopHealth();
    }),
    watch(`health/service/${DEMO_SERVICE}`, opts.consul.health.service, { service: DEMO_SERVICE }, observe(demo)),
    watch(`health/service/${INVENTORY_DB_SERVICE}`, opts.consul.health.service, { service: INVENTORY_DB_SERVICE }, (body) => {
      ex.registration.inventoryDb = toInstanceRows(body);
      exChanged();
    }),
    // A missing key is an answer too (404 with an index: the client hands back undefined), so this blocks as well.
    watch('kv/last-die', opts.consul.kv.get, { key: registratorLastDieKey(REGISTRATOR_HOST) }, (body) => {
      ex.registration.lastDie = toLastDie(body);
      exChanged();
    }),
    ...SIDECAR_SERVICES.map((svc) =>
      watch(`health/service/${svc}`, opts.consul.health.service, { service: svc }, (body) => {
        sidecars.set(svc, toInstanceRows(body));
        ex.connect.sidecars = SIDECAR_SERVICES.flatMap((s) => sidecars.get(s) ?? []);
        exChanged();
      }),
    ),
    // Both block (Consul's docs: "Blocking Queries: YES"); the client has no call for them, hence pathWatchMethod.
    watch('connect/intentions', pathWatchMethod('/connect/intentions'), {}, (body) => {
      ex.connect.intentions = toIntentions(body);
      exChanged();
    }),
    watch('connect/ca/roots', pathWatchMethod('/connect/ca/roots'), {}, (body) => {
      ex.connect.ca = toCa(body);
      exChanged();
    }),
  ];
  // dc2's workshop health, watched only while dc1 knows a dc2: without one every read is "No path to datacenter".
  let dc2Watch: Watch | undefined;
  const setDc2 = (present: boolean): void => {
    if (present && !dc2Watch && !stopping) {
      dc2Watch = watch(
        `health/service/${WORKSHOP_SERVICE}?dc=${DC2}`,
        opts.consul.health.service,
        { service: WORKSHOP_SERVICE, dc: DC2 },
        (body) => {
          ex.datacenters.dc2Workshop = toInstanceRows(body);
          exChanged();
          onWorkshopHealth();
        },
      );
    } else if (!present && dc2Watch) {
      const w = dc2Watch;
      dc2Watch = undefined;
      void w.stop();
      ex.datacenters.dc2Workshop = null;
      exChanged();
    }
  };
  let lastQueryJson = 'null';
  const pollExercises = async (): Promise<void> => {
    const timeout: Record<string, unknown> = { timeout: REQUEST_TIMEOUT_MS };
    const ask = (call: Promise<unknown>, what: string): Promise<unknown> => withTimeout(call, REQUEST_TIMEOUT_MS + 500, what);
    const [dcs, queries] = await Promise.allSettled([
      ask(opts.consul.catalog.datacenters(timeout), 'catalog/datacenters'),
      ask(opts.consul.query.list(timeout), 'query'),
    ]);
    if (dcs.status === 'fulfilled') {
      ex.datacenters.known = toDatacenters(dcs.value);
      setDc2(ex.datacenters.known.includes(DC2));
    }
    if (queries.status === 'fulfilled') {
      const q = toQuery(queries.value);
      const json = JSON.stringify(q);
      if (json !== lastQueryJson) {
        lastQueryJson = json;
        ex.datacenters.query = q;
        void executeQuery();
      }
    }
    exChanged();
  };

  // Members, leader and peers cannot block: poll them. This poll also decides "Consul reachable".
  const pause = new WakeableSleep();
  let stopped = false;
  const pollConsul = async (): Promise<void> => {
    // The client's own timeout ends the request too (withTimeout alone would leave a wedged one open each second).
    const ask = (call: Promise<unknown>, what: string): Promise<unknown> => withTimeout(call, REQUEST_TIMEOUT_MS + 500, what);
    // papi's request option; the package's typings leave it out.
    const timeout: Record<string, unknown> = { timeout: REQUEST_TIMEOUT_MS };
    const [m, l, p] = await Promise.allSettled([
      ask(opts.consul.agent.members(timeout), 'agent/members'),
      ask(opts.consul.status.leader(timeout), 'status/leader'),
      ask(opts.consul.status.peers(timeout), 'status/peers'),
    ]);
    if (m.status === 'rejected') {
      setReachable(false, errText(m.reason));
      return;
    }
    members = toMembers(m.value);
    // No leader: /v1/status/leader says "" and peers may fail with a 500; both are states to show, not errors.
    leader = l.status === 'fulfilled' && typeof l.value === 'string' ? l.value : '';
    peers =
      p.status === 'fulfilled' && Array.isArray(p.value) ? (p.value as unknown[]).filter((x): x is string => typeof x === 'string') : null;
    setReachable(true, null);
    recompute();
  };
  const pollDemo = async (url: string): Promise<void> => {
    try {
      client.requests = await fetchDemoResults(url, now() - viewMs);
      if (!client.reachable) log.info('demo client reachable', { url });
      client.reachable = true;
      client.error = null;
    } catch (err) {
      const e = errText(err);
      if (client.reachable || client.error !== e) log.warn('demo client not reachable', { url, error: e });
      client.reachable = false;
      client.error = e;
    }
    const json = JSON.stringify(client);
    if (json !== lastRequestsJson) {
      lastRequestsJson = json;
      changed();
    }
  };
  const polling = (async () => {
    while (!stopped) {
      const started = now();
      await Promise.all([
        pollConsul(),
        pollExercises(),
        opts.demoResultsUrl ? pollDemo(opts.demoResultsUrl) : undefined,
        opts.pageUrl ? readRoomPage(opts.pageUrl) : undefined,
      ]);
      // Ended instances scroll out of the window even when nothing changes.
      const prunedW = workshop.prune(started);
      const prunedD = demo.prune(started);
      if (prunedW || prunedD) changed();
      await pause.sleep(Math.max(100, pollMs - (now() - started)));
    }
  })();

  return {
    snapshot: () => ({
      now: now(),
      viewMs,
      consul: { ...consulState },
      cluster,
      hosts,
      workshop: workshop.snapshot(),
      demo: { instances: demo.snapshot(), client: { ...client, requests: client.requests } },
      exercises: structuredClone(ex),
      room: room.view(),
    }),
    async stop() {
      stopped = true;
      stopping = true;
      pause.wake({ stop: true });
      await Promise.all([polling, ...watches.map((w) => w.stop()), dc2Watch?.stop()]);
    },
  };
}
