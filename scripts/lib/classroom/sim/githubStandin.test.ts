import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createGithubStandin } from './githubStandin';
import { PNG_SIGNATURE } from './png';

describe('GitHub stand-in', () => {
  let server: Server;
  let base: string;
  const lines: string[] = [];
  beforeAll(async () => {
    server = createGithubStandin({ base: 'http://10.213.80.5', log: (l) => lines.push(l) });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  test('GET /users/<login> answers like GitHub, avatar_url on the configured origin', async () => {
    const r = await fetch(`${base}/users/alice`);
    expect(r.status).toBe(200);
    const body = (await r.json()) as { login: string; id: number; avatar_url: string };
    expect(body.login).toBe('alice');
    expect(typeof body.id).toBe('number');
    expect(body.avatar_url).toBe('http://10.213.80.5/avatars/alice.png');
  });

  test('GET /avatars/<login>.png is a PNG', async () => {
    const r = await fetch(`${base}/avatars/alice.png`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('image/png');
    expect(
      Buffer.from(await r.arrayBuffer())
        .subarray(0, 8)
        .equals(PNG_SIGNATURE),
    ).toBe(true);
  });

  test('bad logins, other paths and other methods are refused; one log line per request', async () => {
    expect((await fetch(`${base}/users/-bad-`)).status).toBe(404);
    expect((await fetch(`${base}/avatars/x..png`)).status).toBe(404);
    expect((await fetch(`${base}/`)).status).toBe(404);
    expect((await fetch(`${base}/users/alice`, { method: 'POST' })).status).toBe(405);
    expect(lines.some((l) => /^GET \/users\/-bad- 404/.test(l))).toBe(true);
  });
});
