import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ConsulClient } from '../shared/consul/client';
import { MAX_BODY } from './demoResults';
import { fetchDemoRequests, labChecksProvider } from './labChecks';

let server: http.Server;
let base: string;
let handler: http.RequestListener;

beforeEach(async () => {
  server = http.createServer((req, res) => handler(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

test('every Consul read carries the ACL token', async () => {
  const tokens = new Set<string | undefined>();
  let consulReads = 0;
  handler = (req, res) => {
    if (req.url?.startsWith('/v1/')) {
      consulReads++;
      tokens.add(req.headers['x-consul-token'] as string | undefined);
    }
    res.writeHead(404).end();
  };
  const provider = labChecksProvider({
    consulHttp: { host: '127.0.0.1', port: Number(new URL(base).port), secure: false },
    nginxUrl: base,
    consulToken: 'secret-token-1234',
  });
  await provider({} as ConsulClient);
  expect(consulReads).toBeGreaterThan(0);
  expect([...tokens]).toEqual(['secret-token-1234']);
}, 15_000);

test('the demo results are read without following a redirect', async () => {
  handler = (_req, res) => res.writeHead(302, { location: `${base}/elsewhere` }).end();
  await expect(fetchDemoRequests(`${base}/results`)).rejects.toThrow();
});

test('a demo results answer over the cap is refused while reading', async () => {
  handler = (_req, res) => {
    // No Content-Length: chunked, so only the streamed read can stop it.
    res.writeHead(200, { 'content-type': 'application/json' });
    const chunk = 'x'.repeat(64 * 1024);
    let sent = 0;
    const write = (): void => {
      while (sent <= MAX_BODY + chunk.length) {
        sent += chunk.length;
        if (!res.write(chunk)) return void res.once('drain', write);
      }
      res.end();
    };
    write();
  };
  await expect(fetchDemoRequests(`${base}/results`, 10_000)).rejects.toThrow(`larger than ${MAX_BODY} bytes`);
}, 15_000);

test('a demo results answer within the cap is parsed', async () => {
  handler = (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ results: [] }));
  await expect(fetchDemoRequests(`${base}/results`)).resolves.toEqual([]);
});

test('the classroom exercise is left out of a lab known to run without ACLs, and kept in classroom mode', async () => {
  let acls = false;
  handler = (req, res) => {
    if (req.url === '/v1/acl/policies') {
      if (acls) res.writeHead(200).end('[]');
      else res.writeHead(401).end('ACL support disabled');
    } else if (req.url?.startsWith('/v1/catalog/nodes')) res.writeHead(200).end('[]');
    else res.writeHead(404).end();
  };
  const provider = labChecksProvider({
    consulHttp: { host: '127.0.0.1', port: Number(new URL(base).port), secure: false },
    nginxUrl: base,
    consulToken: 'secret-token-1234',
  });
  expect((await provider({} as ConsulClient)).map((r) => r.id)).not.toContain('classroom');
  acls = true;
  const inRoom = await provider({} as ConsulClient);
  expect(inRoom.map((r) => r.id)).toContain('classroom');
  expect(inRoom.find((r) => r.id === 'classroom')?.checks[0]).toEqual({
    ok: true,
    label: "the lab runs in classroom mode (Consul's ACLs on)",
    hint: '',
  });
}, 15_000);
