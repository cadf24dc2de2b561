import { errorMessage } from '../../../services/shared/errors';
import type { Member, ServiceHealthCounts, ServiceInstance } from '../consul/labConsul';
import { CONSUL_DEMO_SERVICE_NAME } from '../../../services/consul-demo/names';
import { WORKSHOP_META, WORKSHOP_SERVICE_NAME } from '../../../services/workshop-api/names';
import { readClientRequests } from '../demo/clientRequests';
import { DEMO_CLIENT_SERVICE, NGINX_SERVICE } from '../docker/labServices';
import { summarise, SuccessSummary } from '../demo/clientLog';
import { browserUrl } from '../docker/publishedPorts';
import type { Lab } from './openLab';
import { tileName } from '../nginx/parseNginx';
import { readPage, readUpstream } from '../nginx/readNginx';
import type { LabContainer } from '../docker/labContainers';
import { formatPercent, formatSeconds, renderTable } from '../term/table';
import { REGISTERED_BY_META } from '../../../services/shared/names';
import { CONNECT_CLIENT_SERVICE, DC2, INVENTORY_DB_SERVICE, SIDECAR_SUFFIX } from '../../../services/exercises/facts';
import { quotedForTerminal, quoteForTerminal, terminalSafeLine, terminalSafeText } from '../../../services/shared/terminalText';

/** A section either has data or says why it has none; one failing part never hides the others. */
export type Section<T> = { ok: true; value: T } | { ok: false; error: string };

export interface StatusReport {
  project: string;
  consulUrl: string;
  nginxUrl: string;
  labViewUrl: string;
  containers: Array<Pick<LabContainer, 'name' | 'service' | 'state' | 'health'>>;
  members: Section<Member[]>;
  leader: Section<string>;
  services: Section<ServiceHealthCounts[]>;
  hosts: Section<HostRow[]>;
  demoClient: Section<SuccessSummary & { windowMs: number }>;
  page: Section<{ status: number; instances: string[] }>;
  upstream: Section<string[]>;
  /** What exercises 6, 7 and 8 added; absent in reports made before they existed. */
  exercises?: Section<ExercisesStatus>;
}

/** Exercises 6-8 as lab:status shows them: only what is there. */
export interface ExercisesStatus {
  /** inventory-db's instances; `meta` says who registered each (registered-by). */
  inventoryDb: ServiceInstance[];
  /** The Connect sidecars of inventory-db and inventory-client. */
  sidecars: ServiceInstance[];
  /** The intentions whose source or destination is inventory-client or inventory-db ("" action = L7 permissions). */
  intentions: Array<{ source: string; destination: string; action: string }>;
  datacenters: string[];
  /** dc2's workshop instances; null when there is no dc2. */
  dc2Workshop: ServiceInstance[] | null;
}

const CONNECT_SERVICES = [INVENTORY_DB_SERVICE, CONNECT_CLIENT_SERVICE];

export async function gatherExercises(lab: Pick<Lab, 'consul'>): Promise<ExercisesStatus> {
  const [inventoryDb, sidecars, intentions, datacenters] = await Promise.all([
    lab.consul.instances(INVENTORY_DB_SERVICE, { stale: true }),
    Promise.all(CONNECT_SERVICES.map((s) => lab.consul.instances(`${s}${SIDECAR_SUFFIX}`, { stale: true }))).then((x) => x.flat()),
    lab.consul.intentions(),
    lab.consul.datacenters(),
  ]);
  return {
    inventoryDb,
    sidecars,
    intentions: intentions.filter((i) => CONNECT_SERVICES.includes(i.source) || CONNECT_SERVICES.includes(i.destination)),
    datacenters,
    // Asked only when dc1 knows a dc2: without one the read is Consul's "No path to datacenter".
    dc2Workshop: datacenters.includes(DC2) ? await lab.consul.instances(WORKSHOP_SERVICE_NAME, { stale: true, dc: DC2 }) : null,
  };
}

/** One simulated host (a Consul client node): its agent as the cluster sees it, and the lab's instances on it. */
export interface HostRow {
  host: string;
  agent: Member['status'] | 'unknown';
  instances: Array<{ label: string; status: ServiceInstance['status'] }>;
}

/** How an instance reads in the hosts table: a workshop instance by its name, a demo server by its port. */
function instanceLabel(i: ServiceInstance): string {
  if (i.service === WORKSHOP_SERVICE_NAME) return i.meta[WORKSHOP_META.name] || i.id;
  return `${i.service}:${i.port}`;
}

/** Client nodes (the hosts) with the instances Consul has on each; nodes that only have instances are listed too. */
export function hostRows(members: Member[], instances: ServiceInstance[]): HostRow[] {
  const hosts = new Map<string, HostRow>();
  for (const m of members) if (m.role === 'client') hosts.set(m.name, { host: m.name, agent: m.status, instances: [] });
  for (const i of [...instances].sort((a, b) => a.service.localeCompare(b.service) || instanceLabel(a).localeCompare(instanceLabel(b)))) {
    const row = hosts.get(i.node) ?? { host: i.node, agent: 'unknown' as const, instances: [] };
    row.instances.push({ label: instanceLabel(i), status: i.status });
    hosts.set(i.node, row);
  }
  return [...hosts.values()].sort((a, b) => a.host.localeCompare(b.host));
}

async function section<T>(fn: () => Promise<T>): Promise<Section<T>> {
  try {
    return { ok: true, value: await fn() };
  } catch (err) {
    return { ok: false, error: errorMessage(err).split('\n')[0]! };
  }
}

export async function gatherStatus(lab: Lab, windowMs: number, now = Date.now()): Promise<StatusReport> {
  const client = lab.containers.find((c) => c.service === DEMO_CLIENT_SERVICE);
  const nginx = lab.containers.find((c) => c.service === NGINX_SERVICE);
  const membersP = section(() => lab.consul.members());
  const [members, leader, services, hosts, demoClient, page, upstream, exercises] = await Promise.all([
    membersP,
    section(() => lab.consul.leader()),
    // stale: any server answers, so the counts still show while the cluster has no leader.
    section(() => lab.consul.healthCounts(true, [CONSUL_DEMO_SERVICE_NAME, WORKSHOP_SERVICE_NAME])),
    section(async () => {
      const m = await membersP;
      if (!m.ok) throw new Error(m.error);
      const all = await Promise.all([CONSUL_DEMO_SERVICE_NAME, WORKSHOP_SERVICE_NAME].map((n) => lab.consul.instances(n, { stale: true })));
      return hostRows(m.value, all.flat());
    }),
    section(async () => {
      if (!client) throw new Error('no demo-client container in this lab');
      if (client.state !== 'running') throw new Error(`${client.name} is ${client.state}`);
      return { ...summarise(await readClientRequests(lab.docker, client, now - windowMs)), windowMs };
    }),
    section(() => readPage(lab.endpoints.nginxUrl)),
    section(async () => {
      if (!nginx || nginx.state !== 'running') throw new Error(`${nginx?.name ?? NGINX_SERVICE} is not running`);
      return readUpstream(lab.docker, nginx.id);
    }),
    section(() => gatherExercises(lab)),
  ]);
  return {
    project: lab.project,
    consulUrl: lab.endpoints.consulUrl,
    nginxUrl: lab.endpoints.nginxUrl,
    labViewUrl: lab.endpoints.labViewUrl,
    containers: lab.containers.map(({ name, service, state, health }) => ({ name, service, state, health })),
    members,
    leader,
    services,
    hosts,
    demoClient,
    page,
    upstream,
    exercises,
  };
}

/**
 * A name from Consul (node, service, instance, address) or the page, as a table cell: plain names as they are,
 * anything else quoted and escaped, cut at 64 characters. In classroom mode whoever holds the gossip key or a
 * student token writes these names, so a raw ESC or newline in one would reach the instructor's terminal.
 */
const cell = (s: string): string => quoteForTerminal(s, 64);
/** An address (`10.0.0.5`, `10.0.0.5:8080`, `[fd00::1]:80`) as it is; anything else is a name like any other. */
const addressCell = (s: string): string => (/^[0-9A-Fa-f.:[\]]{1,64}$/.test(s) ? s : cell(s));

function failed(error: string): string {
  // Errors carry Consul's or Docker's own words (an answer's body): data too.
  return `  unavailable: ${terminalSafeText(error)}`;
}

export function renderStatus(r: StatusReport): string {
  return renderLines(r)
    .join('\n')
    .split('\n')
    .map(terminalSafeLine) // belt and braces: every value is escaped where it is used; nothing raw gets past here either
    .join('\n');
}

function renderLines(r: StatusReport): string[] {
  const out: string[] = [];
  const url = (u: string): string => terminalSafeText(browserUrl(u), 200);
  out.push(
    `Lab ${quotedForTerminal(r.project)}   Consul UI ${url(r.consulUrl)}/ui   Nginx page ${url(r.nginxUrl)}/   Lab view ${url(r.labViewUrl)}/`,
  );
  out.push('');
  out.push('Containers');
  out.push(
    renderTable(
      [{ header: 'SERVICE' }, { header: 'CONTAINER' }, { header: 'STATE' }, { header: 'HEALTH' }],
      r.containers.map((c) => [cell(c.service), cell(c.name), cell(c.state), c.health === 'none' ? '-' : cell(c.health)]),
    ),
  );

  out.push('');
  const leaderText = r.leader.ok
    ? r.leader.value
      ? ''
      : '   NO LEADER: registrations and default reads fail until a majority of servers is back (stale reads and DNS still answer)'
    : `   leader unknown (${terminalSafeText(r.leader.error)})`;
  out.push(`Consul members${leaderText}`);
  if (r.members.ok) {
    out.push(
      renderTable(
        [{ header: 'NODE' }, { header: 'ROLE' }, { header: 'STATUS' }, { header: 'ADDRESS' }, { header: '' }],
        r.members.value.map((m) => [cell(m.name), m.role, m.status, addressCell(m.address), m.leader ? '<- leader' : '']),
      ),
    );
  } else out.push(failed(r.members.error));

  out.push('');
  const noLeader = r.leader.ok && !r.leader.value;
  // Counted with stale reads: without a leader nobody updates health, so these may be out of date.
  out.push(`Services in Consul (instances by health)${noLeader ? '   STALE: no leader updates health now, these may be out of date' : ''}`);
  if (r.services.ok) {
    out.push(
      renderTable(
        [
          { header: 'SERVICE' },
          { header: 'PASSING', align: 'right' },
          { header: 'WARNING', align: 'right' },
          { header: 'CRITICAL', align: 'right' },
        ],
        r.services.value.map((s) => [cell(s.service), s.passing, s.warning, s.critical]),
      ),
    );
  } else out.push(failed(r.services.error));

  out.push('');
  out.push('Hosts (each runs its own Consul agent: when it fails, every instance on it fails with it)');
  if (r.hosts.ok) {
    out.push(
      renderTable(
        [{ header: 'HOST' }, { header: 'AGENT' }, { header: 'INSTANCES' }],
        r.hosts.value.map((h) => [cell(h.host), h.agent, h.instances.map((i) => `${cell(i.label)} ${i.status}`).join(', ') || '-']),
      ),
    );
  } else out.push(failed(r.hosts.error));

  out.push('');
  if (r.demoClient.ok) {
    const d = r.demoClient.value;
    out.push(`Demo client, last ${formatSeconds(d.windowMs)}`);
    if (d.requests === 0) out.push('  no requests logged in that window (is demo-client running with --json?)');
    else {
      out.push(
        `  ${d.requests} requests: ${d.ok} ok (${formatPercent(d.ok, d.requests)}), ` +
          `${d.firstTry} on the first try (${formatPercent(d.firstTry, d.requests)}), ${d.failed} failed`,
      );
      if (d.lastError) out.push(`  last failure ${formatSeconds(Date.now() - d.lastError.ts)} ago: ${terminalSafeText(d.lastError.error)}`);
    }
  } else {
    out.push('Demo client');
    out.push(failed(r.demoClient.error));
  }

  out.push('');
  if (r.page.ok) {
    const p = r.page.value;
    out.push(`Nginx page ${url(r.nginxUrl)}/ (HTTP ${p.status}): ${p.instances.length} instance${p.instances.length === 1 ? '' : 's'}`);
    // Tiles carry the Consul ID workshop-<name>; students know the instances by name.
    if (p.instances.length) out.push(`  ${p.instances.map((id) => cell(tileName(id))).join('  ')}`);
  } else {
    out.push('Nginx page');
    out.push(failed(r.page.error));
  }
  if (r.upstream.ok) {
    const u = r.upstream.value;
    out.push(`Nginx upstream behind /api/: ${u.length ? u.map(addressCell).join('  ') : 'empty (no passing instance: /api/ answers 503)'}`);
  } else out.push(`Nginx upstream behind /api/: ${terminalSafeText(r.upstream.error)}`);
  out.push(...exerciseLines(r.exercises));
  return out;
}

/** One line per part of exercises 6-8 that is there (nothing at all for a lab without them). */
export function exerciseLines(ex: StatusReport['exercises']): string[] {
  if (!ex) return [];
  if (!ex.ok) return ['', 'What the exercises added', failed(ex.error)];
  const e = ex.value;
  const lines: string[] = [];
  const instance = (i: ServiceInstance): string => `${cell(i.id)} ${i.status}`;
  // `*`, Consul's wildcard, as it is; any other name as a cell.
  const svc = (n: string): string => (n === '*' ? '*' : cell(n));
  if (e.inventoryDb.length) {
    const by = (i: ServiceInstance): string =>
      i.meta[REGISTERED_BY_META] ? `by ${cell(i.meta[REGISTERED_BY_META])}` : 'by ? (no registered-by)';
    lines.push(`  inventory-db: ${e.inventoryDb.map((i) => `${instance(i)} ${by(i)}`).join(', ')}`);
  }
  if (e.sidecars.length) lines.push(`  Connect sidecars: ${e.sidecars.map(instance).join(', ')}`);
  if (e.intentions.length) {
    lines.push(
      `  Intentions: ${e.intentions.map((i) => `${svc(i.source)} -> ${svc(i.destination)} ${i.action ? cell(i.action) : 'L7'}`).join(', ')}`,
    );
  }
  if (e.datacenters.length > 1) {
    const dc2 = e.dc2Workshop;
    const counts = dc2
      ? `; ${DC2} workshop: ${dc2.length} instance${dc2.length === 1 ? '' : 's'}, ${dc2.filter((i) => i.status === 'passing').length} passing`
      : '';
    lines.push(`  Datacenters: ${e.datacenters.map(cell).join(', ')}${counts}`);
  }
  return lines.length ? ['', 'What the exercises added', ...lines] : [];
}
