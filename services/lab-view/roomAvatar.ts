/*
 * GET /room/avatar/<name>: a student's avatar for the room's tiles, fetched from the shared page's own
 * /avatars/workshop-<name> (Nginx → the student's API) and served from the view's origin, so the page's CSP stays
 * img-src 'self' and no URL from Consul ever reaches an <img>. The name must be a GitHub login (the same rule as
 * the tiles'); the answer must be a small raster image: anything else is refused, never passed on.
 */
import type { Request, Response } from 'express';
import { STUDENT_NAME, studentServiceId } from '../shared/names';
import { readBounded } from '../shared/readBounded';

/** GitHub's avatars are a few KiB; workshop-api caps its own cache well under this. */
export const AVATAR_MAX_BYTES = 512 * 1024;
/** No SVG: an image type that can carry script has no business on the projector. */
const RASTER = /^image\/(png|jpeg|gif|webp)$/;

export function roomAvatarHandler(pageUrl: string, timeoutMs = 3000) {
  return async (req: Request<{ name: string }>, res: Response): Promise<void> => {
    const name = req.params.name;
    if (!STUDENT_NAME.test(name)) {
      res.status(400).type('text/plain').send('not a student name\n');
      return;
    }
    try {
      const up = await fetch(`${pageUrl.replace(/\/$/, '')}/avatars/${encodeURIComponent(studentServiceId(name))}`, {
        signal: AbortSignal.timeout(timeoutMs),
        redirect: 'error',
      });
      const type = (up.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
      if (!up.ok || !RASTER.test(type)) {
        await up.body?.cancel();
        res.status(404).type('text/plain').send('no avatar\n');
        return;
      }
      const body = await readBounded(up, AVATAR_MAX_BYTES);
      // A minute: 30 tiles redrawn on every push must not mean 30 requests to the students' laptops each time.
      res.set({ 'Content-Type': type, 'Cache-Control': 'private, max-age=60' }).send(body);
    } catch {
      res.status(502).type('text/plain').send('avatar not reachable\n');
    }
  };
}
