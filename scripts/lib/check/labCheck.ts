// lab:check's plumbing: the demo client's recent requests from `docker logs`, and the ✓/✗ rendering.
import {
  connectClientFromLines,
  type ConnectClientFact,
  DEFAULT_EXERCISE,
  type DemoRequestFact,
  EXERCISES,
  type ExerciseResult,
} from '../../../services/exercises';
import { readContainerLogs } from '../docker/engine';
import { readClientRequests } from '../demo/clientRequests';
import { DEFAULT_PROJECT } from '../docker/labContainers';
import { DEMO_CLIENT_SERVICE } from '../docker/labServices';
import type { Lab } from '../lab/openLab';
import { terminalSafeLine } from '../../../services/shared/terminalText';

/** How far back the demo client's log is read: the checks judge its last 20 requests (one a second by default). */
export const CLIENT_LOG_WINDOW_MS = 120_000;

/** The demo client's requests of the last two minutes, oldest first, as the exercise checks take them. */
export async function readDemoRequests(lab: Lab, now = Date.now()): Promise<DemoRequestFact[]> {
  const client = lab.containers.find((c) => c.service === DEMO_CLIENT_SERVICE);
  if (!client) throw new Error('no demo-client container in this lab');
  if (client.state !== 'running') throw new Error(`${client.name} is ${client.state}`);
  const requests = await readClientRequests(lab.docker, client, now - CLIENT_LOG_WINDOW_MS);
  return requests.map((r) => ({ at: r.ts, ok: r.ok, attempts: r.attempts, discovery: r.discovery }));
}

/** How far back inventory-client's log is read (exercise 7): time to deny, watch, allow and then run lab:check. */
export const CONNECT_LOG_WINDOW_MS = 30 * 60_000;

/** inventory-client's `--json` lines of the last half hour (exercise 7): its requests and its last TLS probe. */
export async function readConnectClient(lab: Lab, now = Date.now()): Promise<ConnectClientFact> {
  const client = lab.containers.find((c) => c.service === 'inventory-client');
  if (!client) throw new Error('no inventory-client container in this lab');
  if (client.state !== 'running') throw new Error(`${client.name} is ${client.state}`);
  const since = Math.floor((now - CONNECT_LOG_WINDOW_MS) / 1000);
  const { stdout } = await readContainerLogs(lab.docker, client.id, { stdout: true, stderr: false, since });
  const objects: unknown[] = [];
  for (const line of stdout.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      objects.push(JSON.parse(line));
    } catch {
      // A line cut by the log window, or not ours: skipped.
    }
  }
  return connectClientFromLines(objects);
}

function heading(r: ExerciseResult): string {
  return r.id === DEFAULT_EXERCISE ? `Lab: ${r.title}` : `Exercise ${r.id}: ${r.title}`;
}

/**
 * `Exercise 1: …`, then `  ✓ label` / `  ✗ label — hint`, then a summary line (and, for the lab check, the exercise ids).
 * Labels and hints may name what Consul holds (node names, check IDs): each line goes out terminal-safe.
 */
export function renderResult(r: ExerciseResult, project = DEFAULT_PROJECT): string {
  const out = [heading(r)];
  for (const c of r.checks) out.push(terminalSafeLine(c.ok ? `  ✓ ${c.label}` : `  ✗ ${c.label} — ${c.hint}`));
  const ok = r.checks.filter((c) => c.ok).length;
  out.push(
    ok === r.checks.length
      ? r.checks.length === 1
        ? 'The check passes.'
        : `All ${r.checks.length} checks pass.`
      : `${ok} of ${r.checks.length} checks pass: ${r.checks.length - ok} to go.`,
  );
  // The hints name commands for the default lab; another project needs its -p.
  if (project !== DEFAULT_PROJECT && r.checks.some((c) => !c.ok))
    out.push(`This lab is "${project}": add \`-p ${project}\` to the commands above (npm needs \`--\` before it).`);
  if (r.id === DEFAULT_EXERCISE)
    out.push(
      `Exercises: ${EXERCISES.filter((e) => e.id !== DEFAULT_EXERCISE)
        .map((e) => e.id)
        .join(', ')} (npm run lab:check -- <id>)`,
    );
  return out.join('\n');
}
