/**
 * Ask a workshop-api instance itself, from inside its container, whether it is fine: GET /health on its own
 * port. What the service says about itself, with its host's agent (or network) out of the picture.
 */
import type Docker from 'dockerode';
import { errorMessage } from '../../../services/shared/errors';
import { execText } from '../docker/engine';

/** node is in every workshop-api image (curl/wget are not); WORKSHOP_PORT is the instance's port. */
export const HEALTH_PROBE_CMD = [
  'node',
  '-e',
  "fetch('http://127.0.0.1:' + process.env.WORKSHOP_PORT + '/health', { signal: AbortSignal.timeout(3000) })" +
    ".then((r) => console.log('status ' + r.status), (e) => console.log('error ' + ((e.cause && e.cause.code) || e.message)))",
];

export type ProbeResult = { status: number } | { error: string };

export function parseProbe(stdout: string): ProbeResult {
  const line = stdout.trim().split('\n').pop() ?? '';
  const m = /^status (\d{3})$/.exec(line);
  if (m) return { status: Number(m[1]) };
  return { error: line.replace(/^error /, '') || 'no answer' };
}

export async function probeHealth(docker: Docker, containerId: string): Promise<ProbeResult> {
  try {
    const r = await execText(docker.getContainer(containerId), HEALTH_PROBE_CMD, 8000);
    return parseProbe(r.stdout || r.stderr);
  } catch (err) {
    return { error: errorMessage(err) };
  }
}

/** "api-b1 still answers GET /health: 200 — the service is fine; Consul can no longer vouch for it". */
export function probeLine(name: string, r: ProbeResult): string {
  if ('status' in r && r.status === 200)
    return `${name} still answers GET /health: 200 — the service is fine; Consul can no longer vouch for it`;
  if ('status' in r) return `${name} answers GET /health: ${r.status}`;
  return `${name} did not answer GET /health (${r.error})`;
}
