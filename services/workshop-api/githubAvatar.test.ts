import fc from 'fast-check';
import { createLogger } from '../shared/logger';
import { registerSecret } from '../shared/secrets';
import { GithubAvatars, type AvatarLimits, isGithubLogin } from './githubAvatar';

const TOKEN = 'ghp_unitTestSecret_9Zx8Yw7Vu6';
const API = 'https://api.example.test';
const AVATAR_HOST = 'avatars.example.test';
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]);

interface Call {
  url: string;
  headers: Record<string, string>;
}

/** A fake GitHub: users in `users` exist, `mode` breaks it; every call recorded. No socket is ever opened. */
function fakeGithub(opts: { users?: string[]; mode?: 'ok' | 'down' | 'rate-limit' | 'svg' | 'huge'; nowSec?: number } = {}) {
  const calls: Call[] = [];
  const state = { mode: opts.mode ?? 'ok' };
  const impl = (async (input: string | URL | Request, init?: RequestInit) => {
    const url = String(input);
    calls.push({ url, headers: { ...((init?.headers as Record<string, string>) ?? {}) } });
    if (state.mode === 'down')
      throw new TypeError('fetch failed', { cause: Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }) });
    const u = new URL(url);
    if (u.origin === API) {
      if (state.mode === 'rate-limit') {
        return new Response('{"message":"API rate limit exceeded"}', {
          status: 403,
          headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String((opts.nowSec ?? 0) + 12 * 60) },
        });
      }
      const name = decodeURIComponent(u.pathname.replace('/users/', ''));
      if (!(opts.users ?? []).includes(name)) return new Response('{"message":"Not Found"}', { status: 404 });
      return Response.json({ login: name, avatar_url: `https://${AVATAR_HOST}/u/${name}?v=4` });
    }
    if (state.mode === 'svg') return new Response('<svg/>', { headers: { 'content-type': 'image/svg+xml' } });
    if (state.mode === 'huge') return new Response(new Uint8Array(2 * 1024 * 1024), { headers: { 'content-type': 'image/png' } });
    return new Response(PNG, { headers: { 'content-type': 'image/png' } });
  }) as typeof fetch;
  return { impl, calls, state };
}

function setup(f: ReturnType<typeof fakeGithub>, limits: Partial<AvatarLimits> = {}, now = () => 0) {
  const lines: string[] = [];
  registerSecret(TOKEN);
  const logger = createLogger({ name: 'workshop-api', write: (l) => lines.push(l) });
  const avatars = new GithubAvatars({ apiUrl: API, token: TOKEN, logger, fetchImpl: f.impl, limits, now });
  return { avatars, lines };
}

describe('isGithubLogin', () => {
  test.each([
    ['a', true],
    ['alice', true],
    ['Alice-Bob-1', true],
    ['a'.repeat(39), true],
    ['a'.repeat(40), false],
    ['', false],
    ['-alice', false],
    ['alice-', false],
    ['al--ice', false],
    ['al_ice', false],
    ['al.ice', false],
    ['ali ce', false],
    ['../etc', false],
  ])('%j → %s', (name, ok) => expect(isGithubLogin(name)).toBe(ok));

  test('property: valid logins are exactly the 1-39 char alnum runs joined by single hyphens', () => {
    const alnum = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'.split(''));
    const login = fc
      .array(fc.string({ unit: alnum, minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 6 })
      .map((parts) => parts.join('-'))
      .filter((s) => s.length <= 39);
    fc.assert(fc.property(login, (s) => isGithubLogin(s)));
  });
});

describe('GithubAvatars', () => {
  test('property: an arbitrary string causes a request only if it is a valid login, and never an exception', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 60 }), async (name) => {
        const f = fakeGithub({ users: [] });
        const { avatars } = setup(f);
        expect(await avatars.get(name)).toBeUndefined();
        expect(f.calls.length > 0).toBe(isGithubLogin(name));
        // What is requested is /users/<name> on the API host, the name encoded into one path segment.
        for (const c of f.calls) expect(c.url).toBe(`${API}/users/${encodeURIComponent(name)}`);
      }),
      { numRuns: 300 },
    );
  });

  test('a known user: the image, token to the API host only, then cached (one request per host)', async () => {
    const f = fakeGithub({ users: ['alice'] });
    const { avatars, lines } = setup(f);
    const img = await avatars.get('alice');
    expect(img).toEqual({ body: PNG, contentType: 'image/png' });
    expect(f.calls.map((c) => new URL(c.url).host)).toEqual(['api.example.test', AVATAR_HOST]);
    expect(f.calls[0]!.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(Object.keys(f.calls[1]!.headers).map((h) => h.toLowerCase())).not.toContain('authorization');
    expect(JSON.stringify(f.calls[1])).not.toContain(TOKEN);
    await avatars.get('alice');
    expect(f.calls).toHaveLength(2);
    expect(lines).toEqual([]);
  });

  test('concurrent requests for one name share one lookup', async () => {
    const f = fakeGithub({ users: ['alice'] });
    const { avatars } = setup(f);
    const all = await Promise.all(Array.from({ length: 20 }, () => avatars.get('alice')));
    expect(all.every((a) => a?.contentType === 'image/png')).toBe(true);
    expect(f.calls).toHaveLength(2);
  });

  test.each([
    ['unknown user', { users: [] }, /^.*WARN .*avatar: no GitHub user "bob" \(404\); serving the generated avatar for bob$/],
    ['API down', { mode: 'down' as const }, /avatar: GitHub API unreachable \(ECONNREFUSED\); serving the generated avatar for bob$/],
    [
      'rate limit',
      { mode: 'rate-limit' as const },
      /avatar: GitHub rate limit \(403, resets in 12 min\); serving the generated avatar for bob$/,
    ],
    [
      'SVG avatar',
      { users: ['bob'], mode: 'svg' as const },
      /avatar: avatar image at avatars.example.test is not a raster image \(image\/svg\+xml\)/,
    ],
    [
      'oversized avatar',
      { users: ['bob'], mode: 'huge' as const },
      /avatar: avatar image at avatars.example.test unavailable \(larger than 1048576 bytes\)/,
    ],
  ])('%s: generated avatar, ONE log line for many requests, the token nowhere', async (_what, fo, line) => {
    const f = fakeGithub(fo);
    const { avatars, lines } = setup(f);
    for (let i = 0; i < 5; i++) expect(await avatars.get('bob')).toBeUndefined();
    await Promise.all([avatars.get('bob'), avatars.get('bob')]);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(line);
    expect(lines.join('\n')).not.toContain(TOKEN);
  });

  test('a failure is retried after the failure TTL, logged once per cause, and a success clears it', async () => {
    let now = 0;
    const f = fakeGithub({ users: ['carol'], mode: 'down' });
    const { avatars, lines } = setup(f, { failureTtlMs: 1000, hitTtlMs: 5000 }, () => now);
    expect(await avatars.get('carol')).toBeUndefined();
    expect(f.calls).toHaveLength(1);
    now = 500;
    await avatars.get('carol');
    expect(f.calls).toHaveLength(1); // cached miss
    now = 1500;
    await avatars.get('carol');
    expect(f.calls).toHaveLength(2); // retried, same cause: no new line
    expect(lines).toHaveLength(1);
    f.state.mode = 'ok';
    now = 3000;
    expect(await avatars.get('carol')).toBeDefined();
    now = 9000; // hit expired
    f.state.mode = 'down';
    expect(await avatars.get('carol')).toBeUndefined();
    expect(lines).toHaveLength(2); // a new outage after a success is reported again
  });

  test('a rate limit is remembered until it resets (at most the hit TTL)', async () => {
    let now = 0;
    const f = fakeGithub({ users: ['dave'], mode: 'rate-limit', nowSec: 0 });
    const { avatars } = setup(f, { failureTtlMs: 60_000 }, () => now);
    await avatars.get('dave');
    now = 11 * 60_000; // past the failure TTL, before the reset at 12 min
    await avatars.get('dave');
    expect(f.calls).toHaveLength(1);
    now = 12 * 60_000 + 1;
    await avatars.get('dave');
    expect(f.calls).toHaveLength(2);
  });

  test('the cache is bounded in entries and bytes (least recently used goes first)', async () => {
    const users = Array.from({ length: 50 }, (_, i) => `user${i}`);
    const f = fakeGithub({ users });
    const { avatars } = setup(f, { maxEntries: 10, maxCacheBytes: PNG.length * 6 });
    for (const u of users) await avatars.get(u);
    expect(avatars.size.entries).toBeLessThanOrEqual(10);
    expect(avatars.size.bytes).toBeLessThanOrEqual(PNG.length * 6);
    const before = f.calls.length;
    await avatars.get('user49'); // most recent: still cached
    expect(f.calls.length).toBe(before);
    await avatars.get('user0'); // long evicted: asked again
    expect(f.calls.length).toBe(before + 2);
  });

  test('the token never appears in a log line, whatever the failure message quotes', async () => {
    const impl = (async () => {
      throw new Error(`boom Authorization: Bearer ${TOKEN}`);
    }) as typeof fetch;
    const lines: string[] = [];
    registerSecret(TOKEN);
    const logger = createLogger({ name: 'workshop-api', format: 'json', write: (l) => lines.push(l) });
    const avatars = new GithubAvatars({ apiUrl: API, token: TOKEN, logger, fetchImpl: impl });
    await avatars.get('eve');
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain(TOKEN);
    expect(lines[0]).toContain('[redacted]');
  });

  test('an avatar_url that is not http(s) or has credentials is never fetched', async () => {
    for (const avatarUrl of ['file:///etc/passwd', 'javascript:alert(1)', 'https://u:p@avatars.example.test/x', 42, null]) {
      const calls: string[] = [];
      const impl = (async (input: string | URL) => {
        calls.push(String(input));
        return Response.json({ avatar_url: avatarUrl });
      }) as typeof fetch;
      const lines: string[] = [];
      const avatars = new GithubAvatars({ apiUrl: API, logger: createLogger({ name: 't', write: (l) => lines.push(l) }), fetchImpl: impl });
      expect(await avatars.get('frank')).toBeUndefined();
      expect(calls).toEqual([`${API}/users/frank`]);
      expect(lines[0]).toMatch(/no usable http\(s\) avatar_url/);
    }
  });
});

test('neither request follows a redirect: a 3xx is a miss with one line, the Location never fetched', async () => {
  for (const from of ['api', 'image'] as const) {
    const calls: Array<{ url: string; redirect: RequestInit['redirect'] }> = [];
    const impl = (async (input: string | URL, init?: RequestInit) => {
      const url = String(input);
      calls.push({ url, redirect: init?.redirect });
      const redirectHere = from === 'api' ? url.startsWith(API) : url.includes(AVATAR_HOST);
      if (redirectHere) return new Response(null, { status: 302, headers: { location: 'http://169.254.169.254/latest/meta-data/' } });
      return Response.json({ avatar_url: `https://${AVATAR_HOST}/u/grace?v=4` });
    }) as typeof fetch;
    const lines: string[] = [];
    const logger = createLogger({ name: 't', write: (l) => lines.push(l) });
    const avatars = new GithubAvatars({ apiUrl: API, token: TOKEN, logger, fetchImpl: impl });
    for (let i = 0; i < 3; i++) expect(await avatars.get('grace')).toBeUndefined();
    // 'manual' (or 'error') is what keeps undici from following; the default, 'follow', would.
    for (const c of calls) expect(c.redirect).toBe('manual');
    expect(calls.map((c) => c.url)).toEqual(
      from === 'api' ? [`${API}/users/grace`] : [`${API}/users/grace`, `https://${AVATAR_HOST}/u/grace?v=4`],
    );
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      from === 'api'
        ? /avatar: GitHub API redirected \(302\), not followed; serving the generated avatar for grace$/
        : /avatar: avatar image at avatars\.example\.test redirected \(302\), not followed; serving the generated avatar for grace$/,
    );
  }
});
