import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { avatarSvg } from './avatar';
import { type AppState, createApp } from './app';

let server: Server;
let base: string;
const state: AppState = { draining: false };

beforeAll(async () => {
  const app = createApp({ name: 'alice', id: 'workshop-alice', version: '1.2.3' }, state);
  server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((r) => server.close(r)));

test('GET / names the instance', async () => {
  const res = await fetch(`${base}/`);
  expect(res.status).toBe(200);
  expect(await res.json()).toEqual({ name: 'alice', id: 'workshop-alice', version: '1.2.3' });
  expect(res.headers.get('x-workshop-instance')).toBe('workshop-alice');
});

test('GET /avatar is the generated SVG with an image/* type', async () => {
  const res = await fetch(`${base}/avatar`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^image\/svg\+xml/);
  expect(await res.text()).toBe(avatarSvg('alice'));
});

test('GET /health: 200 while serving, 503 while draining (and asks clients to reconnect)', async () => {
  state.draining = false;
  expect((await fetch(`${base}/health`)).status).toBe(200);
  state.draining = true;
  const res = await fetch(`${base}/health`);
  expect(res.status).toBe(503);
  expect(await res.json()).toEqual({ status: 'draining', id: 'workshop-alice' });
  expect(res.headers.get('connection')).toBe('close');
  // Draining does not refuse work: ordinary requests are still answered while Nginx moves away.
  expect((await fetch(`${base}/`)).status).toBe(200);
  state.draining = false;
});

test('unknown paths: JSON 404', async () => {
  const res = await fetch(`${base}/nope`);
  expect(res.status).toBe(404);
});

test('GET /avatar with an AvatarSource: its image when it has one, the generated SVG when not', async () => {
  const png = Buffer.from([0x89, 0x50, 0x4e, 0x47]);
  let has = true;
  const source = { get: async () => (has ? { body: png, contentType: 'image/png' } : undefined) };
  const app = createApp({ name: 'bob', id: 'workshop-bob', version: '1' }, { draining: false }, source);
  const srv = app.listen(0, '127.0.0.1');
  await new Promise((r) => srv.once('listening', r));
  const url = `http://127.0.0.1:${(srv.address() as AddressInfo).port}/avatar`;
  try {
    const res = await fetch(url);
    expect(res.headers.get('content-type')).toBe('image/png');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(Buffer.from(await res.arrayBuffer())).toEqual(png);
    has = false;
    const gen = await fetch(url);
    expect(gen.headers.get('content-type')).toMatch(/^image\/svg\+xml/);
    expect(await gen.text()).toBe(avatarSvg('bob'));
  } finally {
    await new Promise((r) => srv.close(r));
  }
});
