import type Docker from 'dockerode';
import { errorMessage } from '../../services/shared/errors';
import { execText } from './docker';
import { parsePageInstances, parseUpstreamServers } from './nginxView';

export interface PageView {
  /** Instance ids/names on the page, in page order. */
  instances: string[];
  status: number;
}

/** GET with a deadline; lab scripts must not hang on a wedged Nginx. */
async function getText(url: string, timeoutMs: number): Promise<{ status: number; body: string }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), headers: { 'cache-control': 'no-cache' } });
  return { status: res.status, body: await res.text() };
}

/** The Nginx page's tiles. A 503 "no healthy instance" page is a valid answer with zero tiles. */
export async function readPage(nginxUrl: string, timeoutMs = 2000): Promise<PageView> {
  try {
    const { status, body } = await getText(`${nginxUrl}/`, timeoutMs);
    return { status, instances: parsePageInstances(body) };
  } catch (err) {
    throw new Error(`Nginx page ${nginxUrl}/: ${errorMessage(err)}`);
  }
}

/** Where the nginx container keeps the config consul-template renders (the upstream behind /api/). */
export const RENDERED_UPSTREAM_FILES = ['/etc/nginx/conf.d/workshop-upstream.conf', '/etc/nginx/conf.d/default.conf'];

/**
 * The upstream servers behind `/api/` as Nginx has them: read from the rendered config inside the
 * nginx container (the file consul-template writes and Nginx reloads).
 */
export async function readUpstream(docker: Docker, nginxContainerId: string, files: string[] = RENDERED_UPSTREAM_FILES): Promise<string[]> {
  const r = await execText(docker.getContainer(nginxContainerId), ['cat', ...files]);
  if (r.exitCode !== 0 && !r.stdout) throw new Error(`reading the rendered upstream in the nginx container: ${r.stderr.trim() || `exit ${r.exitCode}`}`);
  return parseUpstreamServers(r.stdout);
}
