import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SseHub, format } from './sse';

let hub: SseHub;
let server: http.Server;
let base: string;

beforeEach(async () => {
  hub = new SseHub({ maxClients: 2, heartbeatMs: 50 });
  server = http.createServer((req, res) => void hub.add(req, res, { event: 'state', data: { n: 0 } }));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(async () => {
  hub.close();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

/** Read from an event stream until `until` matches what arrived. */
async function readUntil(res: Response, until: RegExp): Promise<string> {
  const reader = res.body!.getReader();
  let text = '';
  while (!until.test(text)) {
    const { value, done } = await reader.read();
    if (done) break;
    text += Buffer.from(value).toString('utf8');
  }
  reader.releaseLock();
  return text;
}

test('a viewer gets the current state at once, then broadcasts and heartbeats', async () => {
  const ac = new AbortController();
  const res = await fetch(base, { signal: ac.signal });
  expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
  expect(await readUntil(res, /data: \{"n":0\}\n\n/)).toContain('event: state\ndata: {"n":0}\n\n');
  hub.broadcast('state', { n: 1, s: 'line\nbreak' });
  const more = await readUntil(res, /: heartbeat\n\n/);
  expect(more).toContain('data: {"n":1,"s":"line\\nbreak"}\n\n');
  ac.abort();
});

test('past the cap a viewer gets 503; a viewer that leaves frees its place', async () => {
  const a = new AbortController();
  const b = new AbortController();
  await fetch(base, { signal: a.signal });
  await fetch(base, { signal: b.signal });
  expect(hub.size).toBe(2);
  expect((await fetch(base)).status).toBe(503);
  a.abort();
  for (let i = 0; hub.size > 1 && i < 100; i++) await new Promise((r) => setTimeout(r, 10));
  expect(hub.size).toBe(1);
  const c = new AbortController();
  expect((await fetch(base, { signal: c.signal })).status).toBe(200);
  b.abort();
  c.abort();
});

test('format: one data line whatever the payload holds', () => {
  expect(format('x', { a: 'b\r\nc' }).split('\n')).toEqual(['event: x', 'data: {"a":"b\\r\\nc"}', '', '']);
});
