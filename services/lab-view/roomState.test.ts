import fc from 'fast-check';
import { ROOM_MAX_STUDENTS, roomSchema } from '../exercises/room';
import type { PageSeen, RoomSeen, StudentSeen } from './roomObserve';
import { RoomState } from './roomState';

/** A clock the test moves. */
function clock(start = 1_000_000): { now: () => number; at: (t: number) => void } {
  let t = start;
  return { now: () => t, at: (v) => (t = v) };
}

const student = (name: string, over: Partial<StudentSeen> = {}): StudentSeen => ({
  name,
  agentAlive: true,
  apiPassing: true,
  checkScope: 'service',
  nodeCritical: false,
  ...over,
});
const page = (...names: string[]): PageSeen => ({ ok: true, ids: names.map((n) => `workshop-${n}`) });
const look = (students: StudentSeen[], p: PageSeen = page()): RoomSeen => ({ students, ignored: 0, page: p });

test('a student joins, passes and reaches the page: one tile, counters follow, changedAt is the last change', () => {
  const c = clock();
  const room = new RoomState(c.now);
  expect(room.view().active).toBe(false);
  expect(room.observe(look([student('alice', { apiPassing: false })]))).toBe(true);
  c.at(1_002_000);
  room.observe(look([student('alice')]));
  c.at(1_003_000);
  room.observe(look([student('alice')], page('alice')));
  c.at(1_010_000);
  expect(room.observe(look([student('alice')], page('alice')))).toBe(false);
  const v = room.view();
  expect(v.active).toBe(true);
  expect(v.now).toBe(1_010_000);
  expect(v.counters).toEqual({ students: 1, joined: 1, agentAlive: 1, passing: 1, onPage: 1, stopStart: 0, nodeCritical: 0 });
  expect(v.students[0]).toMatchObject({ name: 'alice', joined: true, onPage: true, changedAt: 1_003_000 });
  expect(v.students[0]!.stopStart.phase).toBe('up');
});

test('(b) stop and start: the seconds to leave (API failing → off the page), away, and back (API passing → on the page)', () => {
  const c = clock(0);
  const room = new RoomState(c.now);
  room.observe(look([student('bob')], page('bob')));
  c.at(10_000);
  room.observe(look([student('bob', { apiPassing: false })], page('bob'))); // Consul sees it fail
  expect(room.view().students[0]!.stopStart.phase).toBe('leaving');
  c.at(10_400);
  room.observe(look([student('bob', { apiPassing: false })], page())); // Nginx drops the tile
  expect(room.view().students[0]!.stopStart.phase).toBe('away');
  c.at(22_400);
  room.observe(look([student('bob')], page())); // passing again
  expect(room.view().students[0]!.stopStart).toMatchObject({ phase: 'returning', done: false });
  c.at(23_200);
  room.observe(look([student('bob')], page('bob')));
  expect(room.view().students[0]!.stopStart).toEqual({ phase: 'up', done: true, leftS: 0.4, awayS: 12, backS: 0.8 });
  expect(room.view().counters.stopStart).toBe(1);
});

test('(b) a blip that never got the tile off the page is no leave; an unreadable page moves nothing', () => {
  const c = clock(0);
  const room = new RoomState(c.now);
  room.observe(look([student('bob')], page('bob')));
  room.observe(look([student('bob', { apiPassing: false })], page('bob')));
  room.observe(look([student('bob')], page('bob')));
  room.observe(look([student('bob', { apiPassing: false })], { ok: false, error: 'refused' }));
  room.observe(look([student('bob')], page('bob')));
  const v = room.view();
  expect(v.students[0]!.stopStart).toMatchObject({ phase: 'up', done: false });
  expect(v.students[0]!.onPage).toBe(true);
});

test('(c) a node-level check of theirs critical is marked once, with when; a node that leaves is "not joined", not forgotten', () => {
  const c = clock(0);
  const room = new RoomState(c.now);
  room.observe(look([student('carol', { checkScope: 'node' })]));
  c.at(5000);
  room.observe(look([student('carol', { checkScope: 'node', apiPassing: false, nodeCritical: true })]));
  c.at(9000);
  room.observe(look([]));
  const s = room.view().students[0]!;
  expect(s.nodeCritical).toEqual({ seen: true, at: 5000 });
  expect(s).toMatchObject({ joined: false, agentAlive: false, apiPassing: false, checkScope: 'none', changedAt: 9000 });
});

test(`at most ${ROOM_MAX_STUDENTS} students are kept; the rest are counted as ignored`, () => {
  const room = new RoomState(() => 0);
  const many = Array.from({ length: ROOM_MAX_STUDENTS + 5 }, (_, i) => student(`s${i}`));
  room.observe({ students: many, ignored: 2, page: page() });
  const v = room.view();
  expect(v.students).toHaveLength(ROOM_MAX_STUDENTS);
  expect(v.ignored).toBe(7);
});

// --- properties over arbitrary look sequences --------------------------------------------------------------------

const NAMES = ['alice', 'bob', 'Carol-1', 'd'];
const studentArb = fc.record({
  name: fc.constantFrom(...NAMES),
  agentAlive: fc.boolean(),
  apiPassing: fc.boolean(),
  checkScope: fc.constantFrom('service' as const, 'node' as const, 'none' as const),
  nodeCritical: fc.boolean(),
});
const pageArb: fc.Arbitrary<PageSeen> = fc.oneof(
  fc.subarray(NAMES).map((ns) => page(...ns)),
  fc.constant<PageSeen>({ ok: false, error: 'refused' }),
);
const lookArb: fc.Arbitrary<RoomSeen> = fc.record({
  students: fc.uniqueArray(studentArb, { selector: (s) => s.name, maxLength: NAMES.length }),
  ignored: fc.nat(3),
  page: pageArb,
});
const sequenceArb = fc.array(fc.tuple(lookArb, fc.nat(5000)), { maxLength: 40 });

/** What a student's tile was in one look: up (API passing, on the page), gone (neither), other; null: page unread. */
function tileIn(l: RoomSeen, name: string): 'up' | 'gone' | 'other' | null {
  if (!l.page.ok) return null;
  const api = l.students.find((s) => s.name === name)?.apiPassing ?? false;
  const on = l.page.ids.includes(`workshop-${name}`);
  return api && on ? 'up' : !api && !on ? 'gone' : 'other';
}

test('property: never throws, the view matches its schema, and the counters equal the tiles', () => {
  fc.assert(
    fc.property(sequenceArb, (seq) => {
      let t = 0;
      const room = new RoomState(() => t);
      for (const [l, dt] of seq) {
        t += dt;
        room.observe(l);
        const v = roomSchema.parse(room.view());
        const count = (f: (s: (typeof v.students)[number]) => boolean): number => v.students.filter(f).length;
        expect(v.counters).toEqual({
          students: v.students.length,
          joined: count((s) => s.joined),
          agentAlive: count((s) => s.agentAlive),
          passing: count((s) => s.apiPassing),
          onPage: count((s) => s.onPage === true),
          stopStart: count((s) => s.stopStart.done),
          nodeCritical: count((s) => s.nodeCritical.seen),
        });
        expect(v.active).toBe(v.students.length > 0);
      }
    }),
  );
});

test('property: a student marked for (b) had, in the looks, their tile up, then gone, then up again; (c) saw nodeCritical', () => {
  fc.assert(
    fc.property(sequenceArb, (seq) => {
      let t = 0;
      const room = new RoomState(() => t);
      for (const [l, dt] of seq) {
        t += dt;
        room.observe(l);
      }
      for (const s of room.view().students) {
        const tiles = seq.map(([l]) => tileIn(l, s.name)).filter((x) => x === 'up' || x === 'gone');
        const up1 = tiles.indexOf('up');
        const gone = up1 < 0 ? -1 : tiles.indexOf('gone', up1);
        const up2 = gone < 0 ? -1 : tiles.indexOf('up', gone);
        if (s.stopStart.done) {
          expect(up2).toBeGreaterThan(0);
          for (const x of [s.stopStart.leftS, s.stopStart.awayS, s.stopStart.backS]) expect(x).not.toBeNull();
        }
        const sawCritical = seq.some(([l]) => l.students.some((x) => x.name === s.name && x.nodeCritical));
        expect(s.nodeCritical.seen).toBe(sawCritical);
      }
    }),
  );
});

test('property: the (b) mark is also given whenever the looks hold an up → gone → up (it is not missed)', () => {
  fc.assert(
    fc.property(sequenceArb, (seq) => {
      const room = new RoomState(() => 0);
      for (const [l] of seq) room.observe(l);
      for (const s of room.view().students) {
        // Only from the look where the student was first seen: before it the view did not know them.
        const first = seq.findIndex(([l]) => l.students.some((x) => x.name === s.name));
        const tiles = seq
          .slice(first)
          .map(([l]) => tileIn(l, s.name))
          .filter((x) => x === 'up' || x === 'gone');
        const up1 = tiles.indexOf('up');
        const gone = up1 < 0 ? -1 : tiles.indexOf('gone', up1);
        if (gone >= 0 && tiles.indexOf('up', gone) > 0) expect(s.stopStart.done).toBe(true);
      }
    }),
  );
});
