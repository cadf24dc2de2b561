// The lab view's room against a REAL Consul dev agent: students put in the catalog the way a student's agent and
// workshop-api would (node student-<name> with serfHealth, service workshop-<name> with its HTTP check attached, or a
// node-level check), a stand-in for the shared Nginx page (its avatar links, and /avatars/workshop-<name> as a PNG),
// the view in-process (startLabView) read through GET /room.json and lab:check's reader; then Debian's chromium at
// 1280×720 with 30 students: every tile on screen without scrolling, no text spilling out of its box.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'puppeteer-core';
import { closeBrowser, launchChromium, projectorPage } from '../../scripts/lib/browser/launch';
import { readRoom, renderRoom } from '../../scripts/lib/check/roomCheck';
import type { RoomStudent, RoomView } from '../../services/exercises';
import { parseConsulHttpAddr } from '../../services/shared/consul/address';
import { createLogger } from '../../services/shared/logger';
import { type LabViewServer, startLabView } from '../../services/lab-view/server';
import { useConsulDev } from '../harness/consulFixture';
import { freePort } from '../harness/ports';
import { waitFor } from '../harness/waitFor';

// What the page callbacks below use of the DOM: they run in the browser, and the repo's TypeScript has no DOM lib
// (as in lab-view.test.ts), so the few members are declared for this file only.
interface Box {
  top: number;
  left: number;
  bottom: number;
  right: number;
  width: number;
  height: number;
}
interface PageEl {
  className: string;
  tagName: string;
  textContent: string | null;
  complete?: boolean;
  scrollWidth: number;
  clientWidth: number;
  dataset: Record<string, string | undefined>;
  getBoundingClientRect(): Box;
  querySelectorAll(selector: string): ArrayLike<PageEl> & Iterable<PageEl>;
}
declare const document: {
  querySelectorAll(selector: string): ArrayLike<PageEl> & Iterable<PageEl>;
  getElementById(id: string): PageEl | null;
};
declare const window: { innerHeight: number; innerWidth: number; scrollY: number };

const consul = useConsulDev({ name: `lvroom-${process.pid}` });
let view: LabViewServer | undefined;
let page: http.Server | undefined;
let roomUrl: string;
/** The names the stand-in page links an avatar for, as Nginx would for the passing students. */
const onPage = new Set<string>();
/** A 1×1 PNG: the avatar the stand-in serves. */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

async function put(path: string, body: unknown): Promise<void> {
  const res = await fetch(`${consul().httpUrl}${path}`, { method: 'PUT', body: JSON.stringify(body), signal: AbortSignal.timeout(5000) });
  if (!res.ok) throw new Error(`PUT ${path}: HTTP ${res.status} ${await res.text()}`);
}

/** A student's node, agent and API as Consul holds them; `scope` says where their HTTP check is. */
async function student(name: string, api: 'passing' | 'critical', scope: 'service' | 'node' = 'service', serf = 'passing'): Promise<void> {
  const id = `workshop-${name}`;
  await put('/v1/catalog/register', {
    Node: `student-${name}`,
    Address: '192.168.1.30',
    Service: { ID: id, Service: id, Address: '192.168.1.30', Port: 8081 },
    Checks: [
      { CheckID: 'serfHealth', Name: 'Serf Health Status', Status: serf },
      scope === 'service'
        ? { CheckID: `service:${id}`, Name: 'workshop-api health', Status: api, ServiceID: id }
        : { CheckID: `${id}-node-check`, Name: 'workshop-api health (node)', Status: api },
    ],
  });
}

async function room(): Promise<RoomView> {
  return readRoom(roomUrl);
}

function roomWhere(ok: (r: RoomView) => boolean, what: string): Promise<RoomView> {
  return waitFor(
    async () => {
      const r = await room();
      return ok(r) ? r : undefined;
    },
    { timeoutMs: 15_000, what },
  );
}

const tile = (r: RoomView, name: string): RoomStudent | undefined => r.students.find((s) => s.name === name);

beforeAll(async () => {
  page = http.createServer((req, res) => {
    const avatar = /^\/avatars\/(workshop-[A-Za-z0-9-]+)$/.exec(req.url ?? '');
    if (avatar) {
      res.writeHead(200, { 'content-type': 'image/png' }).end(PNG);
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(`<ul>${[...onPage].map((n) => `<li><img src="/avatars/workshop-${n}"></li>`).join('')}</ul>`);
  });
  await new Promise<void>((resolve) => page!.listen(0, '127.0.0.1', resolve));
  const port = await freePort();
  view = await startLabView(
    {
      port,
      bind: '127.0.0.1',
      nginxUrl: `http://127.0.0.1:${(page.address() as AddressInfo).port}`,
      logFormat: 'text',
      consulHttp: parseConsulHttpAddr(consul().httpAddr),
    },
    createLogger({ name: 'lab-view', level: 'error' }),
  );
  roomUrl = `http://127.0.0.1:${view.port}/room.json`;
}, 60_000);

afterAll(async () => {
  await view?.close();
  await new Promise((resolve) => (page ? page.close(resolve) : resolve(undefined)));
});

test('no student: the room is inactive; a student joins, passes and reaches the page', async () => {
  expect((await room()).active).toBe(false);
  await student('alice', 'passing');
  onPage.add('alice');
  const r = await roomWhere(
    (x) => tile(x, 'alice')?.onPage === true && tile(x, 'alice')?.apiPassing === true,
    'alice passing and on the page',
  );
  expect(r.active).toBe(true);
  expect(tile(r, 'alice')).toMatchObject({ joined: true, agentAlive: true, apiPassing: true, checkScope: 'service' });
  expect(tile(r, 'alice')!.stopStart.phase).toBe('up');
  expect(r.counters).toMatchObject({ students: 1, joined: 1, passing: 1, onPage: 1, stopStart: 0 });
  // The avatar comes from the page, through the view's own origin, as an image.
  const avatar = await fetch(`http://127.0.0.1:${view!.port}/room/avatar/alice`);
  expect(avatar.headers.get('content-type')).toBe('image/png');
  expect(Buffer.from(await avatar.arrayBuffer())).toEqual(PNG);
  expect((await fetch(`http://127.0.0.1:${view!.port}/room/avatar/${encodeURIComponent('../x')}`)).status).toBe(400);
}, 30_000);

test('(b) alice stops her API (critical, off the page) and starts it again: marked, with the seconds it took', async () => {
  await student('alice', 'critical');
  await roomWhere((x) => tile(x, 'alice')?.stopStart.phase === 'leaving', 'alice leaving (API critical, still on the page)');
  await new Promise((r) => setTimeout(r, 600));
  onPage.delete('alice');
  await roomWhere((x) => tile(x, 'alice')?.stopStart.phase === 'away', 'alice away');
  await student('alice', 'passing');
  await roomWhere((x) => tile(x, 'alice')?.stopStart.phase === 'returning', 'alice returning (passing, not yet on the page)');
  onPage.add('alice');
  const r = await roomWhere((x) => tile(x, 'alice')?.stopStart.done === true, 'alice marked for (b)');
  const b = tile(r, 'alice')!.stopStart;
  expect(b.phase).toBe('up');
  // Left: from Consul's critical to the page poll seeing her gone (≥ the 0.6 s wait, within the poll's few seconds).
  expect(b.leftS).toBeGreaterThanOrEqual(0.5);
  expect(b.leftS).toBeLessThan(10);
  expect(b.awayS).not.toBeNull();
  expect(b.backS).toBeGreaterThan(0);
  expect(r.counters.stopStart).toBe(1);
  // lab:check room's reading of the same endpoint prints her line with the seconds.
  expect(renderRoom(r)).toMatch(
    /alice +✓ \(a\) avatar on the page +✓ \(b\) stopped and started their API \(left in \d+\.\d s, away \d+\.\d s, back in \d+\.\d s\) +✗ \(c\)/,
  );
}, 60_000);

test('(c) bob with a node-level check kills his API: his node goes critical and he is marked', async () => {
  await student('bob', 'passing', 'node');
  onPage.add('bob');
  await roomWhere((x) => tile(x, 'bob')?.checkScope === 'node' && tile(x, 'bob')?.apiPassing === true, 'bob passing, check at node level');
  await student('bob', 'critical', 'node');
  const r = await roomWhere((x) => tile(x, 'bob')?.nodeCritical.seen === true, 'bob marked for (c)');
  expect(tile(r, 'bob')).toMatchObject({ apiPassing: false, agentAlive: true, checkScope: 'node' });
  expect(tile(r, 'alice')!.nodeCritical.seen).toBe(false);
  expect(r.counters.nodeCritical).toBe(1);
}, 30_000);

describe('in a browser at 1280×720', () => {
  let browser: Browser | undefined;
  afterAll(async () => closeBrowser(browser));

  test('30 students: every tile visible without scrolling, no text spilling out of its tile', async () => {
    // With alice and bob (the room remembers a student once seen): 30.
    const names = Array.from({ length: 27 }, (_, i) => `student${String(i + 1).padStart(2, '0')}-gh`);
    // The longest login GitHub allows: its tile must cut it, not spill it.
    names.push('a'.repeat(39));
    for (const n of names) {
      await student(n, 'passing');
      onPage.add(n);
    }
    await roomWhere((x) => x.students.length === 30 && x.counters.onPage === 30, '30 students on the page');

    browser = await launchChromium();
    const tab = await projectorPage(browser);
    await tab.goto(`http://127.0.0.1:${view!.port}/`, { waitUntil: 'load' });
    await tab.waitForFunction(() => document.querySelectorAll('#room-tiles .tile').length >= 30, { timeout: 15_000 });
    // Avatars loaded (same-origin images), so the layout is the final one.
    await tab.waitForFunction(() => [...document.querySelectorAll('#room-tiles img')].every((i) => i.complete === true), {
      timeout: 15_000,
    });
    const m = await tab.evaluate(() => {
      const tiles = [...document.querySelectorAll('#room-tiles .tile')];
      const spills: string[] = [];
      const outside: string[] = [];
      for (const t of tiles) {
        const box = t.getBoundingClientRect();
        if (box.top < 0 || box.left < 0 || box.bottom > window.innerHeight || box.right > window.innerWidth)
          outside.push(t.dataset.name ?? '?');
        for (const e of t.querySelectorAll('.tile-name, .tile-since, .tile-lights, .tile-marks, img')) {
          const r = e.getBoundingClientRect();
          if (r.right > box.right + 0.5 || r.bottom > box.bottom + 0.5 || r.left < box.left - 0.5 || r.top < box.top - 0.5)
            spills.push(`${t.dataset.name} ${e.className || e.tagName}`);
          // Cut short (ellipsis) only where the name is the longest login: every other text is shown whole.
          if (e.scrollWidth > e.clientWidth + 1 && !(e.className === 'tile-name' && (t.dataset.name ?? '').length === 39))
            spills.push(`${t.dataset.name} ${e.className} cut (${e.scrollWidth} > ${e.clientWidth})`);
        }
      }
      return {
        tiles: tiles.length,
        outside,
        spills,
        scrollY: window.scrollY,
        minH: Math.min(...tiles.map((t) => t.getBoundingClientRect().height)),
        minW: Math.min(...tiles.map((t) => t.getBoundingClientRect().width)),
        counters: document.getElementById('room-counters')?.textContent ?? '',
        images: document.querySelectorAll('#room-tiles img').length,
      };
    });
    expect(m.tiles).toBe(30);
    expect(m.scrollY).toBe(0);
    expect(m.outside).toEqual([]);
    expect(m.spills).toEqual([]);
    // Readable from the back of the room: tiles no smaller than ~ 190 × 100 px at 1280×720.
    expect(m.minW).toBeGreaterThan(180);
    expect(m.minH).toBeGreaterThan(100);
    expect(m.images).toBe(30);
    expect(m.counters).toMatch(/^30\/30 joined · \d+ passing · 30 on the page/);
    await tab.screenshot({ path: `${process.env.TMPDIR ?? '/tmp'}/lab-view-room-30.png` });
  }, 120_000);
});
