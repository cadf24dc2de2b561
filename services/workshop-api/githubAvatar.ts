import { errorMessage } from '../shared/errors';
import type { Logger } from '../shared/logger';
import { readBounded } from '../shared/readBounded';
import { GITHUB_LOGIN } from './names';

/*
 * The GitHub avatar (issue 12): `name` is the student's GitHub account; GET /avatar serves the picture of
 * `GET {api}/users/{name}`'s `avatar_url`, or, when that cannot be had, the generated identicon (avatar.ts).
 *
 * Why plain `fetch` (Node's built-in undici) and not Octokit: we make ONE kind of request, a GET returning a
 * small JSON document, then a GET of an image from another host. What matters here is what we bound (a 3 s
 * timeout per request, a byte limit on both bodies, no redirect followed by either request) and
 * where the token goes (the API host only, never the avatar host). With fetch all of it is in this file, in
 * ~200 lines a reader can check. Octokit would add a dependency tree (and its own retry/throttle plug-ins,
 * which would retry a rate limit we want to *report* and fall back from, not wait out), and the avatar
 * download is not a GitHub API call anyway, so it would still be a fetch of our own.
 */

export function isGithubLogin(name: string): boolean {
  return GITHUB_LOGIN.test(name);
}

export const AVATAR_LIMITS = {
  /** Per request (API, then image), body included. */
  timeoutMs: 3000,
  /** The user JSON is ~1.5 KiB; anything near this is not GitHub. */
  maxJsonBytes: 256 * 1024,
  /** GitHub's avatars are tens of KiB. */
  maxImageBytes: 1024 * 1024,
  /** Cache entries (names) and the bytes their images may hold in all. */
  maxEntries: 256,
  maxCacheBytes: 32 * 1024 * 1024,
  /** A found avatar is reused this long; a failure is retried after failureTtlMs (an offline start heals). */
  hitTtlMs: 60 * 60_000,
  failureTtlMs: 5 * 60_000,
};
export type AvatarLimits = typeof AVATAR_LIMITS;

export interface AvatarImage {
  body: Buffer;
  contentType: string;
}

/** Why there is no GitHub avatar: `cause` groups log lines (one per cause and name), `message` is the line. */
export interface AvatarMiss {
  cause: 'invalid-name' | 'not-found' | 'rate-limit' | 'unauthorized' | 'unreachable' | 'api-error' | 'bad-avatar';
  message: string;
  /** How long to remember the miss, when not failureTtlMs (a rate limit: until it resets). */
  ttlMs?: number;
}

type Outcome = { image: AvatarImage } | { miss: AvatarMiss };

export interface GithubAvatarOptions {
  /** e.g. https://api.github.com or https://ghe.example.com/api/v3 (validated by options.ts). */
  apiUrl: string;
  /** Sent as `Authorization: Bearer` to the API host only; never logged (it is a registered secret). */
  token?: string;
  logger: Logger;
  limits?: Partial<AvatarLimits>;
  fetchImpl?: typeof fetch;
  now?: () => number;
}

/** undefined = serve the generated avatar. */
export interface AvatarSource {
  get(name: string): Promise<AvatarImage | undefined>;
}

interface Entry {
  outcome: Outcome;
  expiresAt: number;
  bytes: number;
}

/**
 * Looks up avatars with a bounded cache: at most maxEntries names and maxCacheBytes of images (least recently
 * used evicted first), each kept hitTtlMs (found) or failureTtlMs (missed); one lookup in flight per name,
 * shared by concurrent requests. Misses are logged once per cause and name until a lookup succeeds again.
 */
export class GithubAvatars implements AvatarSource {
  private readonly cache = new Map<string, Entry>();
  private readonly inflight = new Map<string, Promise<Outcome>>();
  /** name → causes already logged (bounded like the cache). */
  private readonly logged = new Map<string, Set<string>>();
  private cacheBytes = 0;
  private readonly limits: AvatarLimits;
  private readonly fetchImpl: typeof fetch;
  private readonly now: () => number;
  private readonly usersUrl: string;

  constructor(private readonly opts: GithubAvatarOptions) {
    this.limits = { ...AVATAR_LIMITS, ...opts.limits };
    this.fetchImpl = opts.fetchImpl ?? fetch;
    this.now = opts.now ?? Date.now;
    this.usersUrl = `${opts.apiUrl.replace(/\/+$/, '')}/users/`;
  }

  /** Number of cached names and their image bytes (for tests). */
  get size(): { entries: number; bytes: number } {
    return { entries: this.cache.size, bytes: this.cacheBytes };
  }

  async get(name: string): Promise<AvatarImage | undefined> {
    const outcome = await this.outcome(name);
    return 'image' in outcome ? outcome.image : undefined;
  }

  private outcome(name: string): Promise<Outcome> {
    if (!isGithubLogin(name)) {
      // No request and nothing cached: the answer is a function of the name alone.
      const miss: AvatarMiss = { cause: 'invalid-name', message: `${JSON.stringify(name)} is not a GitHub login` };
      this.report(name, miss);
      return Promise.resolve({ miss });
    }
    const hit = this.cache.get(name);
    if (hit && hit.expiresAt > this.now()) {
      // Refresh its place in the LRU order.
      this.cache.delete(name);
      this.cache.set(name, hit);
      return Promise.resolve(hit.outcome);
    }
    const pending = this.inflight.get(name);
    if (pending) return pending;
    if (this.inflight.size >= this.limits.maxEntries) {
      const miss: AvatarMiss = { cause: 'unreachable', message: 'too many GitHub lookups in flight' };
      this.report(name, miss);
      return Promise.resolve({ miss });
    }
    const p = this.lookup(name)
      .catch((err: unknown): Outcome => ({ miss: { cause: 'api-error', message: `GitHub lookup failed (${errorMessage(err)})` } }))
      .then((outcome) => {
        this.store(name, outcome);
        if ('miss' in outcome) this.report(name, outcome.miss);
        else this.logged.delete(name);
        return outcome;
      })
      .finally(() => this.inflight.delete(name));
    this.inflight.set(name, p);
    return p;
  }

  private store(name: string, outcome: Outcome): void {
    this.evict(name);
    const bytes = 'image' in outcome ? outcome.image.body.length : 0;
    const ttl = 'image' in outcome ? this.limits.hitTtlMs : (outcome.miss.ttlMs ?? this.limits.failureTtlMs);
    this.cache.set(name, { outcome, expiresAt: this.now() + ttl, bytes });
    this.cacheBytes += bytes;
    for (const [oldest] of this.cache) {
      if (this.cache.size <= this.limits.maxEntries && this.cacheBytes <= this.limits.maxCacheBytes) break;
      this.evict(oldest);
    }
  }

  private evict(name: string): void {
    const e = this.cache.get(name);
    if (!e) return;
    this.cacheBytes -= e.bytes;
    this.cache.delete(name);
  }

  /** One line per cause and name, until a success for that name clears the record. */
  private report(name: string, miss: AvatarMiss): void {
    let causes = this.logged.get(name);
    if (causes?.has(miss.cause)) return;
    if (!causes) {
      causes = new Set();
      this.logged.set(name, causes);
      for (const [oldest] of this.logged) {
        if (this.logged.size <= this.limits.maxEntries) break;
        this.logged.delete(oldest);
      }
    }
    causes.add(miss.cause);
    this.opts.logger.warn(`avatar: ${miss.message}; serving the generated avatar for ${name}`);
  }

  private async lookup(name: string): Promise<Outcome> {
    const { timeoutMs } = this.limits;
    const headers: Record<string, string> = {
      accept: 'application/vnd.github+json',
      'x-github-api-version': '2022-11-28',
      'user-agent': 'workshop-api',
    };
    if (this.opts.token) headers.authorization = `Bearer ${this.opts.token}`;
    let res: Response;
    try {
      // redirect 'manual': the request carrying the token goes to the configured host and nowhere else.
      res = await this.fetchImpl(this.usersUrl + encodeURIComponent(name), {
        headers,
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      return { miss: { cause: 'unreachable', message: `GitHub API unreachable (${fetchFailure(err, timeoutMs)})` } };
    }
    if (res.status !== 200) {
      void res.body?.cancel().catch(() => undefined);
      return { miss: apiMiss(res, name, this.now(), this.limits) };
    }
    let user: unknown;
    try {
      user = JSON.parse((await readBounded(res, this.limits.maxJsonBytes)).toString('utf8'));
    } catch (err) {
      return { miss: { cause: 'api-error', message: `GitHub API answer unreadable (${fetchFailure(err, timeoutMs)})` } };
    }
    const avatarUrl = (user as { avatar_url?: unknown } | null)?.avatar_url;
    const url = typeof avatarUrl === 'string' ? safeHttpUrl(avatarUrl) : undefined;
    if (!url) return { miss: { cause: 'bad-avatar', message: 'GitHub user has no usable http(s) avatar_url' } };
    return this.download(url);
  }

  /** The image, WITHOUT the token (the avatar host is not the API host), bounded in time, size and type. */
  private async download(url: URL): Promise<Outcome> {
    const { timeoutMs, maxImageBytes } = this.limits;
    const where = url.host;
    try {
      // redirect 'manual': avatar_url comes from the API's answer, and a redirect could point anywhere (the
      // container's network, a cloud metadata address); following it would fetch that for whoever controls either.
      const res = await this.fetchImpl(url, {
        headers: { 'user-agent': 'workshop-api' },
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
      });
      if (res.status >= 300 && res.status < 400) {
        void res.body?.cancel().catch(() => undefined);
        return { miss: { cause: 'bad-avatar', message: `avatar image at ${where} redirected (${res.status}), not followed` } };
      }
      if (res.status !== 200) {
        void res.body?.cancel().catch(() => undefined);
        return { miss: { cause: 'bad-avatar', message: `avatar image at ${where} answered ${res.status}` } };
      }
      const contentType = (res.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
      // Raster images only: an SVG served from our origin could carry script.
      if (!/^image\/[a-z0-9.+-]+$/.test(contentType) || contentType.startsWith('image/svg')) {
        void res.body?.cancel().catch(() => undefined);
        return {
          miss: { cause: 'bad-avatar', message: `avatar image at ${where} is not a raster image (${contentType || 'no content-type'})` },
        };
      }
      return { image: { body: await readBounded(res, maxImageBytes), contentType } };
    } catch (err) {
      return { miss: { cause: 'bad-avatar', message: `avatar image at ${where} unavailable (${fetchFailure(err, timeoutMs)})` } };
    }
  }
}

function apiMiss(res: Response, name: string, nowMs: number, limits: AvatarLimits): AvatarMiss {
  const s = res.status;
  const remaining = res.headers.get('x-ratelimit-remaining');
  const retryAfter = Number(res.headers.get('retry-after'));
  if ((s === 403 || s === 429) && (remaining === '0' || retryAfter > 0)) {
    const reset = Number(res.headers.get('x-ratelimit-reset'));
    const waitMs = retryAfter > 0 ? retryAfter * 1000 : Number.isFinite(reset) && reset > 0 ? reset * 1000 - nowMs : NaN;
    const when = Number.isFinite(waitMs) ? `, resets in ${Math.max(1, Math.ceil(waitMs / 60_000))} min` : '';
    // No point asking again before the reset (but at most an hour, and no sooner than a normal failure).
    const ttlMs = Number.isFinite(waitMs) ? Math.min(limits.hitTtlMs, Math.max(limits.failureTtlMs, waitMs)) : undefined;
    return { cause: 'rate-limit', message: `GitHub rate limit (${s}${when})`, ttlMs };
  }
  // Said as such: "answered 302" would read like a GitHub fault, when it is our refusal to follow (see lookup()).
  if (s >= 300 && s < 400) return { cause: 'api-error', message: `GitHub API redirected (${s}), not followed` };
  if (s === 404) return { cause: 'not-found', message: `no GitHub user ${JSON.stringify(name)} (404)` };
  if (s === 401) return { cause: 'unauthorized', message: 'GitHub API refused the token (401)' };
  return { cause: 'api-error', message: `GitHub API answered ${s}` };
}

/** An http(s) URL without credentials, or undefined. */
export function safeHttpUrl(raw: string): URL | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  if (url.username || url.password) return undefined;
  return url;
}

/** "timed out after 3 s", or the network error's code (ECONNREFUSED, ENOTFOUND...) rather than "fetch failed". */
function fetchFailure(err: unknown, timeoutMs: number): string {
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) return `no answer within ${timeoutMs / 1000} s`;
  const cause = err instanceof Error ? (err.cause as { code?: unknown; message?: unknown } | undefined) : undefined;
  if (cause && typeof cause.code === 'string') return cause.code;
  if (cause && typeof cause.message === 'string') return cause.message;
  return errorMessage(err);
}
