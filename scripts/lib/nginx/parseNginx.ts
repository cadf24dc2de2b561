/**
 * What Nginx shows: the instances on its page (`/`) and the servers in the upstream behind `/api/`.
 * Pure parsing here; fetching lives in readNginx.ts.
 */

import { parsePageAvatarLinks } from '../../../services/shared/pageLinks';
import { workshopServiceId } from '../../../services/workshop-api/names';

/**
 * Instance identifiers on the page: each tile links its avatar as `/avatars/<id>` (the per-instance
 * location consul-template renders), and may carry data-name="<name>". Returns unique ids in page order.
 */
export function parsePageInstances(html: string): string[] {
  const ids: string[] = [];
  const add = (v: string): void => {
    const id = decodeURIComponent(v);
    if (!ids.includes(id)) ids.push(id);
  };
  for (const m of html.matchAll(/data-(?:name|instance|id)="([^"]+)"/g)) add(m[1]!);
  return ids.length > 0 ? ids : parsePageAvatarLinks(html);
}

const SERVICE_ID_PREFIX = workshopServiceId('');

/** A tile's Consul ID `workshop-<name>` → `<name>`, the name students know the instance by; anything else as it is. */
export function tileName(id: string): string {
  return id.startsWith(SERVICE_ID_PREFIX) ? id.slice(SERVICE_ID_PREFIX.length) : id;
}

/** Does the page list this instance (by display name or Consul ID, with or without the `workshop-` prefix)? */
export function pageHasInstance(pageIds: string[], name: string, serviceId: string): boolean {
  const want = new Set([name, serviceId, tileName(serviceId)]);
  return pageIds.some((id) => want.has(id) || want.has(tileName(id)));
}

/**
 * `server <addr:port> ...;` lines of an nginx upstream block (the rendered config) → ["10.0.0.5:3000", ...].
 * Servers marked `down` and the zero-instance placeholder (a `backup`/127.0.0.1 stand-in) are not instances.
 */
export function parseUpstreamServers(conf: string, upstreamName?: string): string[] {
  const servers: string[] = [];
  const blocks = conf.matchAll(/upstream\s+([\w.-]+)\s*\{([^}]*)\}/g);
  for (const b of blocks) {
    if (upstreamName && b[1] !== upstreamName) continue;
    for (const line of b[2]!.split(/[;\n]/)) {
      const m = /^\s*server\s+(\S+)(.*)$/.exec(line.replace(/#.*$/, ''));
      if (!m) continue;
      const flags = m[2]!;
      if (/\bdown\b|\bbackup\b/.test(flags)) continue;
      if (/^(127\.0\.0\.1|localhost|unix:)/.test(m[1]!)) continue;
      if (!servers.includes(m[1]!)) servers.push(m[1]!);
    }
  }
  return servers;
}
