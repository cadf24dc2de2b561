/*
 * The shared Nginx page as the room section reads it: its avatar links (/avatars/workshop-<name>), the way lab:roster
 * and the exercise checks read them (services/shared/pageLinks.ts). Bounded, no redirects, whatever the status: a 503
 * "no healthy instance" page is a page with no avatars, not an unreadable one.
 */
import { parsePageAvatarLinks } from '../shared/pageLinks';
import { readBounded } from '../shared/readBounded';

/** A room's page is a few KiB; lab:roster and the checks cap it at the same 4 MiB. */
export const PAGE_MAX_BYTES = 4 * 1024 * 1024;

/** The service IDs the page at `pageUrl` (e.g. http://127.0.0.1:80) links an avatar for. */
export async function readPageAvatarIds(pageUrl: string, timeoutMs: number): Promise<string[]> {
  const res = await fetch(`${pageUrl.replace(/\/$/, '')}/`, {
    signal: AbortSignal.timeout(timeoutMs),
    headers: { 'cache-control': 'no-cache' },
    redirect: 'error',
  });
  return parsePageAvatarLinks((await readBounded(res, PAGE_MAX_BYTES)).toString('utf8'));
}
