import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RoomStudent, RoomView } from '../../../services/exercises';
import { fakeLab } from '../lab/testdata/fakeLab';
import { labCheck, type CheckDeps } from './checkCommand';
import { readRoom, renderRoom, RoomUnreachableError, roomUrl } from './roomCheck';

const st = (name: string, over: Partial<RoomStudent> = {}): RoomStudent => ({
  name,
  joined: true,
  agentAlive: true,
  apiPassing: true,
  checkScope: 'service',
  onPage: true,
  changedAt: 0,
  stopStart: { phase: 'up', done: true, leftS: 0.4, awayS: 12, backS: 0.8 },
  nodeCritical: { seen: true, at: 5 },
  ...over,
});
const room = (students: RoomStudent[]): RoomView => ({
  now: 10,
  active: students.length > 0,
  page: { read: true, error: null },
  counters: {
    students: students.length,
    joined: students.length,
    agentAlive: students.length,
    passing: students.length,
    onPage: students.filter((s) => s.onPage).length,
    stopStart: students.filter((s) => s.stopStart.done).length,
    nodeCritical: students.filter((s) => s.nodeCritical.seen).length,
  },
  ignored: 0,
  students,
});

function deps(r: RoomView | Error, env: NodeJS.ProcessEnv = {}) {
  const out: string[] = [];
  const asked: string[] = [];
  const lab = fakeLab('roomlab');
  const d: CheckDeps = {
    root: '/nonexistent-repo',
    openLab: async () => lab,
    gatherFacts: () => Promise.reject(new Error('the room needs no facts')),
    readDemoRequests: async () => [],
    readConnectClient: async () => ({ requests: [], tls: null }),
    readRoom: async (url) => {
      asked.push(url);
      if (r instanceof Error) throw r;
      return r;
    },
    out: (t) => void out.push(t),
    env,
  };
  return { d, out, asked, lab };
}

test('lab:check room reads the view on 127.0.0.1 (LAB_VIEW_PORT), prints ✓/✗ per student per moment with the seconds', async () => {
  const w = deps(
    room([st('alice'), st('bob', { onPage: false, stopStart: { phase: 'away', done: false, leftS: null, awayS: null, backS: null } })]),
    {
      LAB_VIEW_PORT: '18090',
    },
  );
  await expect(labCheck('room', {}, w.d)).resolves.toBe(1);
  expect(w.asked).toEqual(['http://127.0.0.1:18090/room.json']);
  expect(w.lab.closed).toBe(0); // no Docker opened
  const lines = w.out.join('').split('\n');
  expect(lines[1]).toBe(
    '  alice  ✓ (a) avatar on the page   ✓ (b) stopped and started their API (left in 0.4 s, away 12.0 s, back in 0.8 s)   ✓ (c) saw their node go critical',
  );
  expect(lines[2]).toBe('  bob    ✗ (a) avatar on the page   ✗ (b) stopped and started their API   ✓ (c) saw their node go critical');
  expect(lines[3]).toMatch(/^2 students: 2 joined, 2 passing, 1 on the page; \(b\) 1, \(c\) 2; 1 of 2 have done all three\.$/);
});

test('exit 0 only when every student did all three; an empty room is exit 1 with the join line', async () => {
  await expect(labCheck('room', {}, deps(room([st('alice')])).d)).resolves.toBe(0);
  const empty = deps(room([]));
  await expect(labCheck('room', {}, empty.d)).resolves.toBe(1);
  expect(empty.out.join('')).toContain('no student yet');
  expect(roomUrl({})).toBe('http://127.0.0.1:8090/room.json');
});

test('the view not reachable, not JSON, or not a room: one line with a hint', async () => {
  // A port that was free a moment ago: nothing listens there.
  const probe = http.createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const freePort = (probe.address() as AddressInfo).port;
  await new Promise((r) => probe.close(r));
  const closed = await readRoom(`http://127.0.0.1:${freePort}/room.json`).catch((e: unknown) => e);
  expect(closed).toBeInstanceOf(RoomUnreachableError);
  expect((closed as Error).message).toBe(
    `the lab view is not reachable at http://127.0.0.1:${freePort}/room.json (ECONNREFUSED): is the lab up (\`npm run lab:up\`)? A lab view on another port: set LAB_VIEW_PORT`,
  );

  const bodies = ['<html>', JSON.stringify({ students: [{ name: '<script>' }] })];
  const server = http.createServer((_req, res) => res.end(bodies.shift() ?? ''));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/room.json`;
  try {
    await expect(readRoom(url)).rejects.toThrow(/not JSON: is that port the lab view\?/);
    await expect(readRoom(url)).rejects.toThrow(/is not a room/);
  } finally {
    await new Promise((r) => server.close(r));
  }
});

test('a page the view cannot read is said, once', () => {
  const r = { ...room([st('alice', { onPage: null })]), page: { read: false, error: 'ECONNREFUSED' } };
  const text = renderRoom(r);
  expect(text).toContain('✗ (a) avatar on the page (page not readable)');
  expect(text.split('\n').at(-1)).toBe('The view cannot read the shared page: ECONNREFUSED.');
});
