// The simulated classroom's GitHub: the two requests workshop-api makes for a student's avatar, answered on the
// venue LAN (nothing in the simulation may reach the real GitHub).
//   GET /users/<login>          → {"login", "id", "avatar_url": "<base>/avatars/<login>.png"}   (404 for a bad login)
//   GET /avatars/<login>.png    → a PNG of one colour per login (png.ts)
// Run in a container of the services image: `node /lab/dist/scripts/lib/classroom/sim/githubStandin.js`
// (env PORT, default 80; GITHUB_STANDIN_BASE, the address students reach it at). One log line per request.
// Only builtins and relative imports: /lab/dist is all that container has.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { GITHUB_LOGIN } from '../../../../services/workshop-api/names';
import { avatarPng } from './png';

export interface StandinOptions {
  /** Origin that avatar_url points at, e.g. http://10.213.80.5. */
  base: string;
  log?: (line: string) => void;
}

function send(res: http.ServerResponse, status: number, type: string, body: Buffer | string): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
  res.end(body);
}

export function createGithubStandin(opts: StandinOptions): http.Server {
  const log = opts.log ?? (() => undefined);
  const base = opts.base.replace(/\/+$/, '');
  return http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://standin');
    const user = /^\/users\/([^/]+)$/.exec(url.pathname);
    const avatar = /^\/avatars\/([^/]+)\.png$/.exec(url.pathname);
    const login = decodeURIComponent(user?.[1] ?? avatar?.[1] ?? '');
    let status = 404;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      status = 405;
      send(res, status, 'application/json', JSON.stringify({ message: 'Method Not Allowed' }));
    } else if (user && GITHUB_LOGIN.test(login)) {
      status = 200;
      // A stable numeric id per login, like GitHub's (nobody relies on its value).
      const id = [...login].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7);
      send(res, status, 'application/json; charset=utf-8', JSON.stringify({ login, id, avatar_url: `${base}/avatars/${login}.png` }));
    } else if (avatar && GITHUB_LOGIN.test(login)) {
      status = 200;
      send(res, status, 'image/png', avatarPng(login));
    } else {
      send(res, status, 'application/json', JSON.stringify({ message: 'Not Found' }));
    }
    log(`${req.method} ${url.pathname} ${status} (from ${req.socket.remoteAddress ?? '?'})`);
  });
}

if (require.main === module) {
  const port = Number(process.env.PORT ?? 80);
  const base = process.env.GITHUB_STANDIN_BASE ?? `http://127.0.0.1:${port}`;
  const log = (line: string): void => void process.stdout.write(`${new Date().toISOString()} github-standin: ${line}\n`);
  const server = createGithubStandin({ base, log });
  server.listen(port, '0.0.0.0', () => log(`listening on :${(server.address() as AddressInfo).port}, avatars at ${base}/avatars/`));
  // PID 1 in its container: exit on SIGTERM at once (docker stop) rather than after the 10 s kill.
  for (const sig of ['SIGTERM', 'SIGINT'] as const) process.on(sig, () => process.exit(0));
}
