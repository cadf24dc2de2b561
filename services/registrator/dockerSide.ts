/*
 * The registrator's Docker side, through dockerode on the engine's unix socket. READ ONLY: list, inspect, events,
 * ping. Nothing here creates, stops or execs anything, and nothing may: a mounted Docker socket is root on the host
 * (README.md).
 */
import type { Readable } from 'node:stream';
import Docker from 'dockerode';
import { z } from 'zod';
import { COMPOSE_LABELS, REGISTRATOR_LABELS } from './names';
import type { Container, ContainerEvent, DockerSide, EventStream } from './registrator';

/** The Docker API's filters for this host's labelled workloads (both labels: Docker ANDs them). */
export function workloadFilters(host: string, project: string): { label: string[] } {
  return { label: [`${REGISTRATOR_LABELS.host}=${host}`, `${COMPOSE_LABELS.project}=${project}`] };
}

const labelsOf = (v: unknown): Record<string, string> =>
  v !== null && typeof v === 'object'
    ? (Object.fromEntries(Object.entries(v).filter(([, x]) => typeof x === 'string')) as Record<string, string>)
    : {};

/** One line of GET /events, as much of it as the registrator reads; anything else is skipped. */
const eventSchema = z.object({
  Type: z.literal('container'),
  Action: z.string(),
  Actor: z.object({ ID: z.string().min(1), Attributes: z.unknown().optional().transform(labelsOf) }),
  time: z.number().optional(),
  timeNano: z.number().optional(),
});

/** Docker's newline-delimited JSON events → ContainerEvents (a line that is not one is skipped, never thrown). */
export async function* parseEvents(chunks: AsyncIterable<Buffer | string>): AsyncGenerator<ContainerEvent> {
  let buffered = '';
  for await (const chunk of chunks) {
    buffered += chunk.toString();
    // A line longer than 1 MiB is no event of ours: drop it rather than buffer without bound.
    if (buffered.length > 1 << 20 && !buffered.includes('\n')) buffered = '';
    let nl: number;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, nl).trim();
      buffered = buffered.slice(nl + 1);
      if (!line) continue;
      let json: unknown;
      try {
        json = JSON.parse(line);
      } catch {
        continue;
      }
      const e = eventSchema.safeParse(json);
      if (!e.success) continue;
      const { Action, Actor, time, timeNano } = e.data;
      // timeNano loses nanoseconds as a JS number, not milliseconds.
      const atMs = timeNano !== undefined ? timeNano / 1e6 : (time ?? 0) * 1000;
      yield { action: Action, id: Actor.ID, attributes: Actor.Attributes, atMs };
    }
  }
}

export interface ReadOnlyDocker extends DockerSide {
  /** Answers when the engine does. */
  ping(): Promise<void>;
  /** The ID of the running container of Compose service `host` in `project` (the host's namespace), if any. */
  hostContainerId(): Promise<string | undefined>;
}

export function createDockerSide(socketPath: string, host: string, project: string): ReadOnlyDocker {
  const docker = new Docker({ socketPath });
  const filters = workloadFilters(host, project);
  return {
    async ping() {
      await docker.ping();
    },
    async hostContainerId() {
      const list = await docker.listContainers({
        filters: { label: [`${COMPOSE_LABELS.project}=${project}`, `${COMPOSE_LABELS.service}=${host}`] },
      });
      return list[0]?.Id;
    },
    async running() {
      const list = await docker.listContainers({ filters });
      return list.map((c): Container => ({
        id: c.Id,
        name: c.Names[0] ?? '',
        running: c.State === 'running',
        networkMode: c.HostConfig?.NetworkMode ?? '',
        labels: labelsOf(c.Labels),
      }));
    },
    async inspect(id) {
      try {
        const c = await docker.getContainer(id).inspect();
        return {
          id: c.Id,
          name: c.Name,
          running: c.State.Running,
          networkMode: c.HostConfig.NetworkMode ?? '',
          labels: labelsOf(c.Config.Labels),
        };
      } catch (err) {
        if ((err as { statusCode?: unknown }).statusCode === 404) return undefined;
        throw err;
      }
    },
    async events(): Promise<EventStream> {
      const stream = (await docker.getEvents({ filters: { type: ['container'], event: ['start', 'die'], ...filters } })) as Readable;
      return {
        [Symbol.asyncIterator]: () => parseEvents(stream)[Symbol.asyncIterator](),
        close: () => stream.destroy(),
      };
    },
  };
}
