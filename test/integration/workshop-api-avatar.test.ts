// GitHub avatars (issue 12) with the built CLI (dist/), --no-register, against two stand-ins on 127.0.0.1: a
// "GitHub API" (/users/<name>) and, on another port (so another host:port, as avatars.githubusercontent.com is
// to api.github.com), the avatar images. Nothing here leaves the loopback interface.
import http, { type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { distPath } from '../harness/paths';
import { freePort } from '../harness/ports';
import { type ManagedProcess, startProcess, stopAllProcesses } from '../harness/processes';

const TOKEN = 'ghp_avatarIntegration_5Tq8Wm3Xz1Lc';
const PNG = Buffer.from(
  '89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6300010000000500010d0a2db40000000049454e44ae426082',
  'hex',
);

interface Seen {
  path: string;
  headers: IncomingHttpHeaders;
}

function listen(handler: http.RequestListener): Promise<{ server: Server; url: string }> {
  const server = http.createServer(handler);
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })),
  );
}

const apiSeen: Seen[] = [];
const avatarSeen: Seen[] = [];
let api: { server: Server; url: string };
/** A port nothing listens on (freePort closes what it opened): "GitHub unreachable". */
let downUrl = '';
let avatars: { server: Server; url: string };
/** Where the stand-ins' redirects point (a third port): nothing may ever reach it. */
let target: { server: Server; url: string };
const targetSeen: Seen[] = [];
/** Requests for the avatar stand-in's redirecting path. */
const redirectSeen: Seen[] = [];

beforeAll(async () => {
  downUrl = `http://127.0.0.1:${await freePort()}`;
  target = await listen((req, res) => {
    targetSeen.push({ path: req.url ?? '', headers: req.headers });
    res.writeHead(200, { 'content-type': 'image/png', 'content-length': PNG.length }).end(PNG);
  });
  avatars = await listen((req, res) => {
    if ((req.url ?? '').startsWith('/moved/')) {
      redirectSeen.push({ path: req.url ?? '', headers: req.headers });
      res.writeHead(302, { location: `${target.url}/internal` }).end();
      return;
    }
    avatarSeen.push({ path: req.url ?? '', headers: req.headers });
    res.writeHead(200, { 'content-type': 'image/png', 'content-length': PNG.length }).end(PNG);
  });
  api = await listen((req, res) => {
    apiSeen.push({ path: req.url ?? '', headers: req.headers });
    const name = (req.url ?? '').replace(/^\/users\//, '');
    if (name === 'alice') {
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ login: 'alice', avatar_url: `${avatars.url}/u/1?v=4` }));
    } else if (name === 'hopper') {
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ login: 'hopper', avatar_url: `${avatars.url}/moved/2?v=4` }));
    } else if (name === 'lovelace') {
      res.writeHead(302, { location: `${target.url}/users/lovelace` }).end();
    } else if (name === 'limited') {
      const reset = Math.floor(Date.now() / 1000) + 12 * 60;
      res
        .writeHead(403, { 'content-type': 'application/json', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(reset) })
        .end('{"message":"API rate limit exceeded"}');
    } else {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"message":"Not Found"}');
    }
  });
});

afterAll(async () => {
  await stopAllProcesses();
  await new Promise((r) => api?.server.close(r));
  await new Promise((r) => avatars?.server.close(r));
  await new Promise((r) => target?.server.close(r));
});

async function startApi(name: string, githubApi: string): Promise<{ url: string; proc: ManagedProcess }> {
  const port = await freePort();
  const proc = startProcess(
    process.execPath,
    [distPath('services/workshop-api/cli.js'), '--no-register', '--bind', '127.0.0.1', '--avatars', 'github', '--github-api', githubApi],
    {
      name: `workshop-${name}`,
      env: {
        ...process.env,
        WORKSHOP_NAME: name,
        WORKSHOP_HOST: '127.0.0.1',
        WORKSHOP_PORT: String(port),
        WORKSHOP_TOKEN: TOKEN,
        WORKSHOP_AVATARS: '',
        WORKSHOP_GITHUB_API: '',
      },
    },
  );
  await proc.waitForLine(/not registering in Consul/, 15_000);
  return { url: `http://127.0.0.1:${port}`, proc };
}

/** GET /avatar five times (three in a row, then two at once), returning the third answer. */
async function avatarOf(url: string): Promise<{ type: string | null; body: Buffer }> {
  let last: Response | undefined;
  for (let i = 0; i < 3; i++) last = await fetch(`${url}/avatar`);
  await Promise.all([fetch(`${url}/avatar`).then((r) => r.arrayBuffer()), fetch(`${url}/avatar`).then((r) => r.arrayBuffer())]);
  return { type: last!.headers.get('content-type'), body: Buffer.from(await last!.arrayBuffer()) };
}

const avatarLines = (p: ManagedProcess): string[] => [...p.stdoutLines, ...p.stderrLines].filter((l) => l.includes('avatar: '));

function expectNoToken(p: ManagedProcess): void {
  expect([...p.stdoutLines, ...p.stderrLines].join('\n')).not.toContain(TOKEN);
}

test("a known user: the stand-in's image bytes; the token reaches the API host only; one lookup for five requests", async () => {
  const { url, proc } = await startApi('alice', api.url);
  const got = await avatarOf(url);
  expect(got.type).toBe('image/png');
  expect(got.body).toEqual(PNG);
  const toApi = apiSeen.filter((s) => s.path === '/users/alice');
  expect(toApi).toHaveLength(1);
  expect(toApi[0]!.headers.authorization).toBe(`Bearer ${TOKEN}`);
  expect(avatarSeen).toHaveLength(1);
  expect(avatarSeen[0]!.path).toBe('/u/1?v=4');
  expect(avatarSeen[0]!.headers.authorization).toBeUndefined();
  expect(JSON.stringify(avatarSeen)).not.toContain(TOKEN);
  expect(avatarLines(proc)).toEqual([]);
  expectNoToken(proc);
});

test.each([
  [
    'an unknown user',
    'ghost',
    () => api.url,
    /avatar: no GitHub user "ghost" \(404\); serving the generated avatar for ghost {2}id=workshop-ghost$/,
  ],
  [
    'a rate limit',
    'limited',
    () => api.url,
    /avatar: GitHub rate limit \(403, resets in 1[12] min\); serving the generated avatar for limited {2}id=workshop-limited$/,
  ],
  [
    'the API down',
    'offline',
    () => downUrl,
    /avatar: GitHub API unreachable \(ECONNREFUSED\); serving the generated avatar for offline {2}id=workshop-offline$/,
  ],
  [
    'a name that is no GitHub login',
    'api--a1',
    () => api.url,
    /avatar: "api--a1" is not a GitHub login; serving the generated avatar for api--a1 {2}id=workshop-api--a1$/,
  ],
])('%s: the generated avatar and exactly one log line saying why', async (_what, name, githubApi, line) => {
  const before = apiSeen.length;
  const { url, proc } = await startApi(name, githubApi());
  const got = await avatarOf(url);
  expect(got.type).toMatch(/^image\/svg\+xml/);
  expect(got.body.toString()).toContain(`<title>${name}</title>`);
  const lines = avatarLines(proc);
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(line);
  expectNoToken(proc);
  // One request to the API at most (cached miss), none for an invalid login or when it is down.
  const asked = apiSeen.slice(before).filter((s) => s.path === `/users/${name}`).length;
  expect(asked).toBe(githubApi() === api.url && name !== 'api--a1' ? 1 : 0);
  expect(avatarSeen.filter((s) => s.path !== '/u/1?v=4')).toEqual([]);
});

test('the avatar image answering 302 to another port: not followed, the generated avatar, one log line', async () => {
  const { url, proc } = await startApi('hopper', api.url);
  const got = await avatarOf(url);
  expect(got.type).toMatch(/^image\/svg\+xml/);
  expect(got.body.toString()).toContain('<title>hopper</title>');
  expect(redirectSeen.map((s) => s.path)).toEqual(['/moved/2?v=4']);
  expect(targetSeen).toEqual([]);
  const lines = avatarLines(proc);
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(
    /avatar: avatar image at 127\.0\.0\.1:\d+ redirected \(302\), not followed; serving the generated avatar for hopper {2}id=workshop-hopper$/,
  );
  expectNoToken(proc);
});

test('the API answering 302 to the request with the token: not followed, so the token never reaches the target', async () => {
  const { url, proc } = await startApi('lovelace', api.url);
  const got = await avatarOf(url);
  expect(got.type).toMatch(/^image\/svg\+xml/);
  const toApi = apiSeen.filter((s) => s.path === '/users/lovelace');
  expect(toApi).toHaveLength(1);
  expect(toApi[0]!.headers.authorization).toBe(`Bearer ${TOKEN}`);
  // Nothing at all reached the redirect target: no request, so no Authorization header either.
  expect(targetSeen).toEqual([]);
  const lines = avatarLines(proc);
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(
    /avatar: GitHub API redirected \(302\), not followed; serving the generated avatar for lovelace {2}id=workshop-lovelace$/,
  );
  expectNoToken(proc);
});

test('a token with an http:// API that is not loopback: refused at start, exit 2, one line, the token not in it', async () => {
  const proc = startProcess(
    process.execPath,
    [distPath('services/workshop-api/cli.js'), '--no-register', '--bind', '127.0.0.1', '--github-api', 'http://ghe.example.invalid/api/v3'],
    {
      name: 'workshop-plain-http',
      env: {
        ...process.env,
        WORKSHOP_NAME: 'plain',
        WORKSHOP_HOST: '127.0.0.1',
        WORKSHOP_PORT: String(await freePort()),
        WORKSHOP_TOKEN: TOKEN,
      },
    },
  );
  expect((await proc.exited).code).toBe(2);
  expect(proc.stderrLines).toEqual([
    'workshop-api: error: --github-api/WORKSHOP_GITHUB_API "http://ghe.example.invalid/api/v3": plain http would send the token unencrypted; use https (http only to a loopback host)',
  ]);
  expect(proc.stdoutLines).toEqual([]);
  expectNoToken(proc);
});
