/**
 * lab:scale-server: scale demo-server to N replicas with `docker compose up -d --scale`, starting new replicas one
 * at a time so their restarts don't line up, then show the instances Consul returns and how the demo client's
 * traffic spreads over them. An experiment without a timeline: snapshot (the running servers, their restart range)
 * → expect (what will be done, and why staggered) → act (scale, each new replica until it passes in Consul) →
 * watch (the client's requests for a while) → report (the traffic table).
 */
import { CONSUL_DEMO_SERVICE_NAME } from '../../../services/consul-demo/names';
import { pollUntil } from '../../../services/shared/poll';
import { readClientRequests } from '../demo/clientRequests';
import { summarise, trafficByServer, type ClientRequest } from '../demo/clientLog';
import { containerLabel, demoServerPrefixes, readInstancePrefix } from '../demo/demoServers';
import { parseScaleTarget, restartRangeOf, staggerGapMs } from '../demo/scalePlan';
import {
  composeContextFromLabels,
  composeFailureLine,
  repoRoot,
  runCompose,
  type ComposeOptions,
  type ComposeResult,
} from '../docker/compose';
import { LabNotUpError, type LabContainer } from '../docker/labContainers';
import { DEMO_CLIENT_SERVICE, DEMO_SERVER_SERVICE } from '../docker/labServices';
import { runningLabEnv } from '../docker/publishedPorts';
import { shortName } from '../docker/readiness';
import type { Lab } from '../lab/openLab';
import { formatPercent, formatSeconds, renderTable } from '../term/table';
import { liveCommandIo, type CommandIo } from '../lab/commandIo';
import { runExperiment } from './engine';

export interface ScaleServerOptions {
  /** [N] as typed; default one more than now. */
  n?: string;
  /** How long to watch the client's traffic afterwards. */
  watchMs: number;
  stagger: boolean;
}

export interface ScaleServerDeps {
  compose: (args: string[], opts: ComposeOptions) => Promise<ComposeResult>;
  /** The demo client's requests since an epoch ms. */
  clientRequests: (lab: Lab, client: LabContainer, sinceMs: number) => Promise<ClientRequest[]>;
}

const realDeps: ScaleServerDeps = {
  compose: runCompose,
  clientRequests: (lab, client, since) => readClientRequests(lab.docker, client, since),
};

function running(lab: Lab): LabContainer[] {
  return lab.containers.filter((c) => c.service === DEMO_SERVER_SERVICE && c.state === 'running');
}

/**
 * In classroom mode a demo server registers with the class's token (classroom/instructor.compose.yml passes
 * LAB_CLASSROOM_DEMO_TOKEN as its CONSUL_HTTP_TOKEN): a new replica gets the one its siblings run with, read from
 * a running one's environment. Empty outside classroom mode. The token only ever travels in Compose's env.
 */
export function classroomScaleEnv(serverEnv: string[]): Record<string, string> {
  const token = serverEnv.find((e) => e.startsWith('CONSUL_HTTP_TOKEN='))?.slice('CONSUL_HTTP_TOKEN='.length);
  return token ? { LAB_CLASSROOM_DEMO_TOKEN: token } : {};
}

/** What scaling from `from` to `to` will do, as printed before acting. */
export function scaleLine(from: number, to: number, stagger: boolean, range: [number, number]): string {
  if (to === from) return `demo-server already has ${to} running replica${to === 1 ? '' : 's'}.`;
  if (to < from) return `Scaling demo-server down from ${from} to ${to} (the removed servers deregister on the way out)`;
  const gap = stagger ? staggerGapMs(range) : 0;
  const steps = stagger ? to - from : 1;
  const every = `${formatSeconds(range[0])}-${formatSeconds(range[1])}`;
  const why = !stagger
    ? ', all at once (--no-stagger): their first restarts come from the same window and can line up'
    : steps > 1
      ? `, one replica at a time ${formatSeconds(gap)} apart: each restarts after a random ${every}, so the next one's first restart comes after the previous one's can`
      : `: one new replica, nothing to stagger (the running server${from === 1 ? ' restarts' : 's restart'} after a random ${every} on ${from === 1 ? 'its' : 'their'} own schedule)`;
  return `Scaling demo-server from ${from} to ${to}${why}`;
}

/** The replica counts to scale to in turn: one more at a time when staggered, else straight to the target. */
export function scaleSteps(from: number, to: number, stagger: boolean): number[] {
  return stagger ? Array.from({ length: to - from }, (_, i) => from + i + 1) : [to];
}

interface Before {
  from: number;
  target: number;
  range: [number, number];
  scaleTo: (n: number) => Promise<void>;
}

/** Scale, show Consul's instances and the client's traffic; 0 once the traffic was read, 1 without a demo client. */
export async function scaleServer(
  lab: Lab,
  opts: ScaleServerOptions,
  io: CommandIo = liveCommandIo(),
  deps: ScaleServerDeps = realDeps,
): Promise<number> {
  const progress = io.newProgress();
  const gapOf = (range: [number, number]): number => (opts.stagger ? staggerGapMs(range) : 0);
  let nameOf: (serviceId: string) => string = (id) => id;

  return runExperiment<Before, ClientRequest[] | undefined>(
    {
      snapshot: async () => {
        const servers = running(lab);
        const target = parseScaleTarget(opts.n, servers.length);
        const template = lab.containers.find((c) => c.service === DEMO_SERVER_SERVICE) ?? lab.containers[0];
        if (!template) throw new LabNotUpError(`lab "${lab.project}" has no containers`);
        // Same compose files and env file (.env / .env.offline) as the running lab: the new replicas use its images,
        // ... and the same ports and subnet, whatever this shell's LAB_* variables say.
        const context = composeContextFromLabels(template.labels);
        const sibling = servers[0] ?? (template.service === DEMO_SERVER_SERVICE ? template : undefined);
        const info = sibling ? await lab.docker.getContainer(sibling.id).inspect() : undefined;
        // The restart range of a running server (what really runs); the class token from any (scaling up from none
        // has only stopped ones).
        const range = servers[0] && info ? restartRangeOf(info.Config.Cmd ?? [], info.Config.Env ?? []) : restartRangeOf([], []);
        const env = { ...(await runningLabEnv(lab.docker, lab.project, lab.containers)), ...classroomScaleEnv(info?.Config.Env ?? []) };
        const scaleTo = async (n: number): Promise<void> => {
          const r = await deps.compose(
            ['up', '-d', '--no-deps', '--no-recreate', '--scale', `${DEMO_SERVER_SERVICE}=${n}`, DEMO_SERVER_SERVICE],
            { project: lab.project, context, env, cwd: repoRoot() },
          );
          if (r.code !== 0) throw new Error(`docker compose up --scale ${DEMO_SERVER_SERVICE}=${n} failed: ${composeFailureLine(r)}`);
          await lab.refresh();
        };
        return { from: servers.length, target, range, scaleTo };
      },
      expect: (b) => [scaleLine(b.from, b.target, opts.stagger, b.range)],
      act: async (b) => {
        if (b.target === b.from) return;
        if (b.target < b.from) {
          await b.scaleTo(b.target);
          progress.line(`${running(lab).length} running`);
          return;
        }
        const steps = scaleSteps(b.from, b.target, opts.stagger);
        for (const [i, n] of steps.entries()) {
          const before = new Set(running(lab).map((c) => c.id));
          await b.scaleTo(n);
          for (const c of running(lab).filter((x) => !before.has(x.id))) await untilPassing(lab, c, (l) => progress.line(l));
          if (i < steps.length - 1 && gapOf(b.range) > 0) {
            progress.line(`waiting ${formatSeconds(gapOf(b.range))} before the next replica`);
            await io.sleep(gapOf(b.range));
          }
        }
      },
      watch: async () => {
        // What Consul returns now, and which container each instance is.
        const prefixes = await demoServerPrefixes(lab.docker, running(lab));
        nameOf = (serviceId) => containerLabel(prefixes, serviceId);
        const instances = (await lab.consul.instances(CONSUL_DEMO_SERVICE_NAME)).sort((a, b) => nameOf(a.id).localeCompare(nameOf(b.id)));
        io.out(
          `\nInstances of ${CONSUL_DEMO_SERVICE_NAME} in Consul now (the ID's last number and the port change on every restart; the rest names the process)\n`,
        );
        io.out(
          renderTable(
            [{ header: 'CONTAINER' }, { header: 'SERVICE ID' }, { header: 'ADDRESS' }, { header: 'TAG' }, { header: 'STATUS' }],
            instances.map((i) => [nameOf(i.id), i.id, `${i.address}:${i.port}`, i.tags.join(','), i.status]),
          ) + '\n',
        );
        const client = lab.containers.find((c) => c.service === DEMO_CLIENT_SERVICE && c.state === 'running');
        if (!client) return undefined;
        io.out(`\nWatching the demo client's requests for ${formatSeconds(opts.watchMs)}...\n`);
        const from = io.now();
        await io.sleep(opts.watchMs);
        return deps.clientRequests(lab, client, from);
      },
      report: async (_b, reqs) => {
        if (!reqs) return { lines: ['', 'No running demo-client container: nothing to watch.'], exitCode: 1 };
        return { lines: trafficLines(reqs, nameOf), exitCode: 0 };
      },
    },
    io,
  );
}

/** Start → its instance prefix → passing in Consul under it (all demo servers share host-b's address). */
async function untilPassing(lab: Lab, c: LabContainer, say: (line: string) => void): Promise<void> {
  say(`${shortName(c)} started`);
  const reg = await pollUntil(
    async () => {
      const prefix = await readInstancePrefix(lab.docker, c);
      if (!prefix) return undefined;
      const passing = await lab.consul.instances(CONSUL_DEMO_SERVICE_NAME, { passingOnly: true });
      return passing.find((x) => x.id.startsWith(`${prefix}-`));
    },
    { timeoutMs: 30_000, intervalMs: 200, what: `${shortName(c)} registering in Consul`, hint: `look at \`docker logs ${c.name}\`` },
  );
  say(`${shortName(c)} passing in Consul as ${reg.id} (${reg.address}:${reg.port}, ${reg.tags.join(',') || 'no tag'})`);
}

/** The traffic table per server process, the totals, and what INCARNATIONS means. */
export function trafficLines(reqs: ClientRequest[], nameOf: (serviceId: string) => string): string[] {
  const sum = summarise(reqs);
  const traffic = trafficByServer(reqs.filter((r) => r.ok));
  return [
    renderTable(
      [
        { header: 'CONTAINER' },
        { header: 'SERVER (instance prefix)' },
        { header: 'REQUESTS', align: 'right' },
        { header: 'SHARE', align: 'right' },
        { header: 'INCARNATIONS', align: 'right' },
        { header: 'PROTOCOLS' },
      ],
      traffic.map((t) => [nameOf(t.server), t.server, t.ok, formatPercent(t.ok, sum.ok), t.incarnations, t.protocols.join(',')]),
    ),
    `${sum.requests} requests: ${sum.ok} ok (${formatPercent(sum.ok, sum.requests)}), ${sum.firstTry} on the first try (${formatPercent(sum.firstTry, sum.requests)}), ${sum.failed} failed` +
      (sum.lastError ? `; last failure: ${sum.lastError.error}` : ''),
    'INCARNATIONS: how many lives of each server the client reached (every restart listens on a new port under a new service ID).',
  ];
}
