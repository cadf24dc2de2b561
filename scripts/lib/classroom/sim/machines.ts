// The simulated machines on the outer engine: the venue LAN network, one container per laptop running its own
// dockerd (Docker in Docker), and the GitHub stand-in. Everything made here carries SIM_LABEL, which is how
// `down` (and a failed `up`) finds what to remove: nothing else on the engine is touched.
import type Docker from 'dockerode';
import { readContainerLogs } from '../../docker/engine';
import { OFFLINE_IMAGES } from '../../images/buildOfflineImages';
import {
  GITHUB_ADDRESS,
  GITHUB_CONTAINER,
  LAB_IN_MACHINE,
  LAN_GATEWAY,
  LAN_NETWORK,
  LAN_SUBNET,
  MACHINE_IMAGE,
  SIM_LABEL,
  VIEW_FORWARD_ROLE,
  machineVolume,
} from './layout';
import { execIn, lastLine } from './machineExec';

function statusOf(err: unknown): number | undefined {
  return (err as { statusCode?: number }).statusCode;
}

/** The LAN network, made if missing. A network of that name NOT made by the simulation is refused. */
export async function ensureLan(docker: Docker): Promise<void> {
  try {
    const info = (await docker.getNetwork(LAN_NETWORK).inspect()) as { Labels?: Record<string, string> };
    if (!info.Labels?.[SIM_LABEL])
      throw new Error(`a network named ${LAN_NETWORK} exists and was not made by classroom:sim: remove it first`);
    return;
  } catch (err) {
    if (statusOf(err) !== 404) throw err;
  }
  await docker.createNetwork({
    Name: LAN_NETWORK,
    Driver: 'bridge',
    CheckDuplicate: true,
    Labels: { [SIM_LABEL]: 'lan' },
    IPAM: { Driver: 'default', Config: [{ Subnet: LAN_SUBNET, Gateway: LAN_GATEWAY }] },
  });
}

export interface MachineSpec {
  container: string;
  address: string;
  /** SIM_LABEL's value: instructor, student-1... */
  role: string;
  binds: string[];
  /** Container ports published on 127.0.0.1 with a free host port each. */
  publish?: number[];
}

/** Create and start a machine: DinD capability set of LAB-NOTES (plain --privileged fails on this host). */
export async function startMachine(docker: Docker, spec: MachineSpec): Promise<void> {
  const volume = machineVolume(spec.container);
  await docker.createVolume({ Name: volume, Labels: { [SIM_LABEL]: `${spec.role}-docker` } });
  const ports = spec.publish ?? [];
  const c = await docker.createContainer({
    name: spec.container,
    Hostname: spec.container,
    Image: MACHINE_IMAGE,
    Labels: { [SIM_LABEL]: spec.role },
    ExposedPorts: Object.fromEntries(ports.map((p) => [`${p}/tcp`, {}])),
    HostConfig: {
      // tini as PID 1: reaps what `docker exec` leaves behind and hands SIGTERM to dockerd.
      Init: true,
      CapAdd: ['ALL'],
      CapDrop: ['SYS_RESOURCE'],
      SecurityOpt: ['seccomp=unconfined', 'apparmor=unconfined'],
      Binds: spec.binds,
      Mounts: [{ Type: 'volume', Source: volume, Target: '/var/lib/docker' }],
      NetworkMode: LAN_NETWORK,
      PortBindings: Object.fromEntries(ports.map((p) => [`${p}/tcp`, [{ HostIp: '127.0.0.1', HostPort: '' }]])),
    },
    NetworkingConfig: { EndpointsConfig: { [LAN_NETWORK]: { IPAMConfig: { IPv4Address: spec.address } } } },
  });
  await c.start();
}

/** The 127.0.0.1 port Docker picked for a machine's published container port. */
export async function publishedPort(docker: Docker, container: string, port: number): Promise<number> {
  const info = await docker.getContainer(container).inspect();
  const host = info.NetworkSettings.Ports?.[`${port}/tcp`]?.[0]?.HostPort;
  if (!host) throw new Error(`${container}: port ${port} is not published`);
  return Number(host);
}

/** Wait until the machine's own dockerd answers (`docker info` inside it). */
export async function waitForMachineDocker(docker: Docker, container: string, timeoutMs = 90_000): Promise<number> {
  const t0 = Date.now();
  let last = '';
  while (Date.now() - t0 < timeoutMs) {
    const info = await docker.getContainer(container).inspect();
    if (!info.State.Running) break;
    const r = await execIn(docker, container, ['docker', 'info', '--format', '{{.ServerVersion}} {{.Driver}}'], { timeoutMs: 15_000 });
    if (r.exitCode === 0) return (Date.now() - t0) / 1000;
    last = lastLine(r.stderr);
    await new Promise((res) => setTimeout(res, 500));
  }
  const { stdout, stderr } = await readContainerLogs(docker, container, { tail: 5 }).catch(() => ({ stdout: '', stderr: '' }));
  const log = lastLine(stderr) || lastLine(stdout);
  throw new Error(
    `${container}: its dockerd did not answer within ${timeoutMs / 1000} s (${last || 'not running'}; log: ${log.slice(0, 200)})`,
  );
}

/** The GitHub stand-in: node from the services image, the compiled stand-in from /lab/dist. */
export async function startGithubStandin(docker: Docker, repoRoot: string, binds: string[]): Promise<void> {
  const c = await docker.createContainer({
    name: GITHUB_CONTAINER,
    Hostname: 'github',
    Image: OFFLINE_IMAGES.services,
    // Port 80, like the real API's origin: root inside its own container (it serves two GETs and reads nothing).
    User: '0',
    Cmd: ['node', `${LAB_IN_MACHINE}/dist/scripts/lib/classroom/sim/githubStandin.js`],
    Env: ['PORT=80', `GITHUB_STANDIN_BASE=http://${GITHUB_ADDRESS}`],
    Labels: { [SIM_LABEL]: 'github' },
    HostConfig: { Binds: [`${repoRoot}:${LAB_IN_MACHINE}:ro`, ...binds], NetworkMode: LAN_NETWORK },
    NetworkingConfig: { EndpointsConfig: { [LAN_NETWORK]: { IPAMConfig: { IPv4Address: GITHUB_ADDRESS } } } },
  });
  await c.start();
  const t0 = Date.now();
  while (Date.now() - t0 < 20_000) {
    const { stdout } = await readContainerLogs(docker, GITHUB_CONTAINER, {});
    if (stdout.includes('listening on')) return;
    const info = await c.inspect();
    if (!info.State.Running) {
      const logs = await readContainerLogs(docker, GITHUB_CONTAINER, { tail: 5 });
      throw new Error(`the GitHub stand-in exited (${info.State.ExitCode}): ${lastLine(logs.stderr) || lastLine(logs.stdout)}`);
    }
    await new Promise((res) => setTimeout(res, 200));
  }
  throw new Error('the GitHub stand-in did not start listening within 20 s');
}

export interface SimResources {
  containers: Array<{ id: string; name: string; role: string; running: boolean }>;
  networks: string[];
  volumes: string[];
}

/** Everything on the engine carrying SIM_LABEL. */
export async function listSimResources(docker: Docker): Promise<SimResources> {
  const filters = JSON.stringify({ label: [SIM_LABEL] });
  const [containers, networks, volumes] = await Promise.all([
    docker.listContainers({ all: true, filters }),
    docker.listNetworks({ filters }),
    docker.listVolumes({ filters }),
  ]);
  return {
    containers: containers.map((c) => ({
      id: c.Id,
      name: (c.Names[0] ?? c.Id).replace(/^\//, ''),
      role: c.Labels[SIM_LABEL] ?? '',
      running: c.State === 'running',
    })),
    networks: networks.map((n) => n.Name),
    volumes: (volumes.Volumes ?? []).map((v) => v.Name),
  };
}

/**
 * Remove everything labelled: containers (a machine is stopped first, so its dockerd stops its own containers
 * and the Consul agents inside leave), then the networks and volumes. Returns what it removed.
 */
export async function removeSimResources(docker: Docker, say: (line: string) => void, stopSeconds = 15): Promise<SimResources> {
  const found = await listSimResources(docker);
  // The view forwarder lives in the instructor machine's network namespace: it goes first.
  const first = found.containers.filter((c) => c.role === VIEW_FORWARD_ROLE);
  const rest = found.containers.filter((c) => c.role !== VIEW_FORWARD_ROLE);
  for (const batch of [first, rest])
    await Promise.all(
      batch.map(async (c) => {
        const container = docker.getContainer(c.id);
        if (c.running) await container.stop({ t: stopSeconds }).catch(() => undefined);
        await container.remove({ force: true, v: true }).catch(() => undefined);
        // Another removal may be under way (409 "already in progress"): either way, wait until it is gone.
        await untilGone(() => container.inspect(), `container ${c.name}`);
        say(`removed ${c.name}`);
      }),
    );
  for (const n of found.networks) {
    await retryBriefly(() => docker.getNetwork(n).remove(), `network ${n}`);
    say(`removed network ${n}`);
  }
  for (const v of found.volumes) await retryBriefly(() => docker.getVolume(v).remove(), `volume ${v}`);
  if (found.volumes.length) say(`removed ${found.volumes.length} volumes`);
  return found;
}

const sleep = (ms: number): Promise<void> => new Promise((res) => setTimeout(res, ms));

/** Poll `inspect` until the engine says 404. */
async function untilGone(inspect: () => Promise<unknown>, what: string, timeoutMs = 60_000): Promise<void> {
  const t0 = Date.now();
  for (;;) {
    try {
      await inspect();
    } catch (err) {
      if (statusOf(err) === 404) return;
      throw err;
    }
    if (Date.now() - t0 > timeoutMs) throw new Error(`${what} is still there after ${timeoutMs / 1000} s`);
    await sleep(250);
  }
}

/** Remove something that may still be in use for a moment (a container going away); 404 = already gone. */
async function retryBriefly(remove: () => Promise<unknown>, what: string, timeoutMs = 20_000): Promise<void> {
  const t0 = Date.now();
  for (;;) {
    try {
      await remove();
      return;
    } catch (err) {
      if (statusOf(err) === 404) return;
      if (Date.now() - t0 > timeoutMs)
        throw new Error(`could not remove ${what}: ${(err as Error).message.split('\n')[0]}`, { cause: err });
    }
    await sleep(500);
  }
}
