#!/usr/bin/env node
// npm run lab:scale-server [-- N] — scale demo-server to N replicas (default one more) with
// `docker compose up -d --scale`, starting new replicas one at a time so their restarts don't line up,
// then show the instances Consul returns and how the demo client's traffic spreads over them.
import { createProgram, durationOption, runCli } from '../services/shared/cli';
import { composeContextFromLabels, composeFailureLine, repoRoot, runCompose } from './lib/docker/compose';
import { CONSUL_DEMO_SERVICE_NAME } from '../services/consul-demo/names';
import { readClientRequests } from './lib/demo/clientRequests';
import { summarise, trafficByServer } from './lib/demo/clientLog';
import { containerLabel, demoServerPrefixes, readInstancePrefix } from './lib/demo/demoServers';
import { Lab, openLab } from './lib/lab/openLab';
import { addProjectOption } from './lib/lab/options';
import { LabContainer, LabNotUpError } from './lib/docker/labContainers';
import { DEMO_CLIENT_SERVICE, DEMO_SERVER_SERVICE } from './lib/docker/labServices';
import { shortName } from './lib/docker/readiness';
import { runningLabEnv } from './lib/docker/publishedPorts';
import { parseScaleTarget, restartRangeOf, staggerGapMs } from './lib/demo/scalePlan';
import { formatPercent, formatSeconds, renderTable } from './lib/term/table';
import { sleep } from '../services/shared/async';
import { pollUntil } from '../services/shared/poll';
import { Progress } from './lib/term/progress';
import { exitQuietlyOnClosedStdout } from './lib/term/stdout';

const NAME = 'lab:scale-server';

function running(lab: Lab): LabContainer[] {
  return lab.containers.filter((c) => c.service === DEMO_SERVER_SERVICE && c.state === 'running');
}

exitQuietlyOnClosedStdout();

void runCli(NAME, async () => {
  const program = addProjectOption(createProgram(NAME, 'Scale demo-server (staggered) and show the client spreading its traffic'))
    .argument('[N]', 'number of demo-server replicas (default: one more than now)')
    .addOption(durationOption('-w, --watch <duration>', "how long to watch the demo client's traffic afterwards", 15_000))
    .option('--no-stagger', 'start all new replicas at once (to see what the stagger prevents)');
  program.parse();
  const opts = program.opts<{ project?: string; watch: number; stagger: boolean }>();
  const nArg = program.args[0];
  // Bad N is bad input: say so before touching Docker.
  if (nArg !== undefined) parseScaleTarget(nArg, 0);

  const lab = await openLab(opts.project);
  try {
    const servers = running(lab);
    const target = parseScaleTarget(nArg, servers.length);
    const template = lab.containers.find((c) => c.service === DEMO_SERVER_SERVICE) ?? lab.containers[0];
    if (!template) throw new LabNotUpError(`lab "${lab.project}" has no containers`);
    // Same compose files and env file (.env / .env.offline) as the running lab: the new replicas use its images.
    const context = composeContextFromLabels(template.labels);
    // ... and the same ports and subnet, whatever this shell's LAB_* variables say.
    const env = await runningLabEnv(lab.docker, lab.project, lab.containers);
    const progress = new Progress();

    let range = restartRangeOf([], []);
    if (servers[0]) {
      const info = await lab.docker.getContainer(servers[0].id).inspect();
      range = restartRangeOf(info.Config.Cmd ?? [], info.Config.Env ?? []);
    }
    const gap = opts.stagger ? staggerGapMs(range) : 0;

    const scaleTo = async (n: number): Promise<void> => {
      const r = await runCompose(
        ['up', '-d', '--no-deps', '--no-recreate', '--scale', `${DEMO_SERVER_SERVICE}=${n}`, DEMO_SERVER_SERVICE],
        {
          project: lab.project,
          context,
          env,
          cwd: repoRoot(),
        },
      );
      if (r.code !== 0) throw new Error(`docker compose up --scale ${DEMO_SERVER_SERVICE}=${n} failed: ${composeFailureLine(r)}`);
      await lab.refresh();
    };

    if (target === servers.length) {
      process.stdout.write(`demo-server already has ${target} running replica${target === 1 ? '' : 's'}.\n`);
    } else if (target < servers.length) {
      process.stdout.write(
        `Scaling demo-server down from ${servers.length} to ${target} (the removed servers deregister on the way out)\n`,
      );
      await scaleTo(target);
      progress.line(`${running(lab).length} running`);
    } else {
      const steps = opts.stagger ? Array.from({ length: target - servers.length }, (_, i) => servers.length + i + 1) : [target];
      const every = `${formatSeconds(range[0])}-${formatSeconds(range[1])}`;
      const why = !opts.stagger
        ? ', all at once (--no-stagger): their first restarts come from the same window and can line up'
        : steps.length > 1
          ? `, one replica at a time ${formatSeconds(gap)} apart: each restarts after a random ${every}, so the next one's first restart comes after the previous one's can`
          : `: one new replica, nothing to stagger (the running server${servers.length === 1 ? ' restarts' : 's restart'} after a random ${every} on ${servers.length === 1 ? 'its' : 'their'} own schedule)`;
      process.stdout.write(`Scaling demo-server from ${servers.length} to ${target}${why}\n`);
      for (const [i, n] of steps.entries()) {
        const before = new Set(running(lab).map((c) => c.id));
        await scaleTo(n);
        const fresh = running(lab).filter((c) => !before.has(c.id));
        for (const c of fresh) {
          progress.line(`${shortName(c)} started`);
          // Its instance prefix, written at start (all demo servers share host-b's address, so that can't tell them apart).
          const reg = await pollUntil(
            async () => {
              const prefix = await readInstancePrefix(lab.docker, c);
              if (!prefix) return undefined;
              const passing = await lab.consul.instances(CONSUL_DEMO_SERVICE_NAME, { passingOnly: true });
              return passing.find((x) => x.id.startsWith(`${prefix}-`));
            },
            {
              timeoutMs: 30_000,
              intervalMs: 200,
              what: `${shortName(c)} registering in Consul`,
              hint: `look at \`docker logs ${c.name}\``,
            },
          );
          progress.line(`${shortName(c)} passing in Consul as ${reg.id} (${reg.address}:${reg.port}, ${reg.tags.join(',') || 'no tag'})`);
        }
        if (i < steps.length - 1 && gap > 0) {
          progress.line(`waiting ${formatSeconds(gap)} before the next replica`);
          await sleep(gap);
        }
      }
    }

    // What Consul returns now, and which container each instance is.
    const servs = running(lab);
    const prefixes = await demoServerPrefixes(lab.docker, servs);
    const nameOf = (serviceId: string): string => containerLabel(prefixes, serviceId);
    const instances = (await lab.consul.instances(CONSUL_DEMO_SERVICE_NAME)).sort((a, b) => nameOf(a.id).localeCompare(nameOf(b.id)));
    process.stdout.write(
      `\nInstances of ${CONSUL_DEMO_SERVICE_NAME} in Consul now (the ID's last number and the port change on every restart; the rest names the process)\n`,
    );
    process.stdout.write(
      renderTable(
        [{ header: 'CONTAINER' }, { header: 'SERVICE ID' }, { header: 'ADDRESS' }, { header: 'TAG' }, { header: 'STATUS' }],
        instances.map((i) => [nameOf(i.id), i.id, `${i.address}:${i.port}`, i.tags.join(','), i.status]),
      ) + '\n',
    );

    const client = lab.containers.find((c) => c.service === DEMO_CLIENT_SERVICE && c.state === 'running');
    if (!client) {
      process.stdout.write('\nNo running demo-client container: nothing to watch.\n');
      return 1;
    }
    process.stdout.write(`\nWatching the demo client's requests for ${formatSeconds(opts.watch)}...\n`);
    const from = Date.now();
    await sleep(opts.watch);
    const reqs = await readClientRequests(lab.docker, client, from);
    const sum = summarise(reqs);
    const traffic = trafficByServer(reqs.filter((r) => r.ok));
    process.stdout.write(
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
      ) + '\n',
    );
    process.stdout.write(
      `${sum.requests} requests: ${sum.ok} ok (${formatPercent(sum.ok, sum.requests)}), ${sum.firstTry} on the first try (${formatPercent(sum.firstTry, sum.requests)}), ${sum.failed} failed` +
        (sum.lastError ? `; last failure: ${sum.lastError.error}` : '') +
        '\n',
    );
    process.stdout.write(
      'INCARNATIONS: how many lives of each server the client reached (every restart listens on a new port under a new service ID).\n',
    );
    return 0;
  } finally {
    lab.close();
  }
});
