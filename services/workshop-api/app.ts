import express, { type Express } from 'express';
import { AVATAR_CONTENT_TYPE, avatarSvg } from './avatar';
import type { AvatarSource } from './githubAvatar';

export interface AppState {
  /** true once shutdown began: /health answers 503 so the check (and Nginx) drop this instance. */
  draining: boolean;
}

export interface AppInfo {
  name: string;
  id: string;
  version: string;
}

/**
 * The HTTP API. It knows nothing of Consul: registration and shutdown live in cli.ts, so the app can be
 * tested on its own. Responses never include the token (the app is never given it).
 */
export function createApp(info: AppInfo, state: AppState, avatars?: AvatarSource): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  const avatar = avatarSvg(info.name);

  app.use((_req, res, next) => {
    // Every response names its instance, so a client behind Nginx can see which one answered.
    res.setHeader('X-Workshop-Instance', info.id);
    // While draining, ask keep-alive clients to reconnect (to an instance that stays).
    if (state.draining) res.setHeader('Connection', 'close');
    next();
  });

  app.get('/', (_req, res) => {
    res.json({ name: info.name, id: info.id, version: info.version });
  });

  // With an AvatarSource (--avatars github): the GitHub picture of `name`, else (and whenever the source has
  // none: offline, rate-limited, unknown user) the generated one. The source never throws.
  app.get('/avatar', async (_req, res) => {
    const image = avatars ? await avatars.get(info.name) : undefined;
    res.setHeader('Cache-Control', 'public, max-age=60');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    if (image) res.type(image.contentType).send(image.body);
    else res.type(AVATAR_CONTENT_TYPE).send(avatar);
  });

  app.get('/health', (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    if (state.draining) res.status(503).json({ status: 'draining', id: info.id });
    else res.status(200).json({ status: 'ok', id: info.id });
  });

  app.use((_req, res) => {
    res.status(404).json({ error: 'not found', id: info.id });
  });
  return app;
}
