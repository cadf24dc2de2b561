import type Docker from 'dockerode';
import { errorMessage } from '../../../services/shared/errors';
import { execText } from '../docker/engine';
import { parsePageInstances, parseUpstreamServers } from './parseNginx';

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
    throw new Error(`Nginx page ${nginxUrl}/: ${errorMessage(err)}`, { cause: err });
  }
}

/**
 * The file consul-template renders and Nginx includes for `upstream workshop` (nginx/run.sh: the work dir
 * is $NGINX_WORK_DIR, default /var/lib/lab-nginx). apply-render.sh publishes it only after `nginx -t`
 * passed and then reloads Nginx, so its content is what Nginx routes /api/ to (a reload takes milliseconds).
 * With zero passing instances the file has no upstream block: an empty list.
 */
export const RENDERED_UPSTREAM_CMD = ['sh', '-c', 'cat "${NGINX_WORK_DIR:-/var/lib/lab-nginx}/conf/rendered/upstreams.conf"'];

/**
 * The upstream servers behind `/api/` as Nginx has them, read from the rendered config inside the nginx
 * container. (Nginx has no HTTP endpoint listing its upstream; the page only shows names.)
 */
export async function readUpstream(docker: Docker, nginxContainerId: string, cmd: string[] = RENDERED_UPSTREAM_CMD): Promise<string[]> {
  const r = await execText(docker.getContainer(nginxContainerId), cmd);
  if (r.exitCode !== 0) throw new Error(`reading the rendered upstream in the nginx container: ${r.stderr.trim() || `exit ${r.exitCode}`}`);
  return parseUpstreamServers(r.stdout, 'workshop');
}
