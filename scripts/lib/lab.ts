import type Docker from 'dockerode';
import { Command, Option } from 'commander';
import { argParser } from '../../services/shared/cli';
import { parseDurationMs } from '../../services/shared/duration';
import { createConsulClient } from '../../services/shared/consulClient';
import { LabConsul } from './consulQueries';
import { connectDocker } from './docker';
import { labEndpoints, LabEndpoints } from './endpoints';
import { LabContainer, requireLab, resolveProjectName } from './project';

/** Everything a command needs to act on a running lab. */
export interface Lab {
  docker: Docker;
  project: string;
  containers: LabContainer[];
  endpoints: LabEndpoints;
  consul: LabConsul;
  /** Re-list the project's containers (state and health change while a command runs). */
  refresh(): Promise<LabContainer[]>;
  close(): void;
}

/** The -p/--project option every lab command takes (Compose's own flag name). */
export function addProjectOption(program: Command): Command {
  return program.option('-p, --project <name>', 'Compose project name of the lab (default: $COMPOSE_PROJECT_NAME or consul-lab)');
}

/** A duration flag (500ms, 15s, 3m) parsed to ms, whose help shows the default as written ("15s", not 15000). */
export function durationOption(flags: string, description: string, defaultValue: string): Option {
  const name = flags.split(/[ ,]+/).find((f) => f.startsWith('--')) ?? flags;
  const parse = (v: string): number => parseDurationMs(v, name);
  return new Option(flags, description).argParser(argParser(parse)).default(parse(defaultValue), defaultValue);
}

/**
 * Docker reachable → the project has a running lab → its published Consul/Nginx ports → a Consul client.
 * Each step fails with one line saying what to do.
 */
export async function openLab(projectFlag: string | undefined): Promise<Lab> {
  const project = resolveProjectName(projectFlag);
  const docker = await connectDocker();
  const containers = await requireLab(docker, project);
  const endpoints = labEndpoints(containers);
  const client = createConsulClient(endpoints.consul);
  const lab: Lab = {
    docker,
    project,
    containers,
    endpoints,
    consul: new LabConsul(client, endpoints.consulUrl),
    refresh: async () => {
      lab.containers = await requireLab(docker, project);
      return lab.containers;
    },
    // The consul client keeps HTTP connections alive; drop them so the command exits promptly.
    close: () => client.destroy(),
  };
  return lab;
}
