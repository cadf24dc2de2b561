import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UsageError } from '../../../services/shared/errors';
import { fakeCommandIo } from '../lab/testdata/fakeCommandIo';
import { fakeLab } from '../lab/testdata/fakeLab';
import type { Roster } from './roster';
import { labRoster, type RosterDeps } from './rosterCommand';

let root: string;
beforeEach(() => (root = mkdtempSync(path.join(os.tmpdir(), 'lab-roster-'))));
afterEach(() => rmSync(root, { recursive: true, force: true }));

const EMPTY: Roster = { consulUrl: 'http://127.0.0.1:8500', pageUrl: 'http://127.0.0.1:8080', students: [], flags: [] };

/** Stops --watch's endless loop from the test: thrown by sleep after the wanted rounds. */
class Enough extends Error {}

function world(reads: Array<Roster | Error>, rounds = Infinity) {
  const fake = fakeCommandIo(Date.UTC(2026, 0, 1));
  const lab = fakeLab();
  const calls: string[] = [];
  let i = 0;
  const deps: RosterDeps = {
    ...fake.io,
    sleep: async (ms) => {
      await fake.io.sleep(ms);
      if (++i >= rounds) throw new Enough();
    },
    root,
    env: { CONSUL_HTTP_TOKEN: 'mgmt-0123456789' },
    openLab: async () => lab,
    free: async (_url, name, token, say) => {
      calls.push(`free ${name} ${token}`);
      say(`deleted 1 token of ${name}`);
      return { summary: `"${name}" is free` };
    },
    read: async (_c, _n, token) => {
      calls.push(`read ${token}`);
      const r = reads[Math.min(i, reads.length - 1)]!;
      if (r instanceof Error) throw r;
      return r;
    },
    isTTY: false,
  };
  return { fake, lab, calls, deps };
}

test('--free with --watch or --json is bad input (exit 2), before the lab is opened; so is a name that is no student', async () => {
  const w = world([EMPTY]);
  await expect(labRoster('lab:roster', { interval: 2000, free: 'alice', watch: true }, w.deps)).rejects.toThrow(
    new UsageError('--free does one thing: leave out --watch and --json'),
  );
  await expect(labRoster('lab:roster', { interval: 2000, free: '-x-' }, w.deps)).rejects.toBeInstanceOf(UsageError);
  expect(w.calls).toEqual([]);
  expect(w.lab.closed).toBe(0);
});

test('--free frees the name with the instructor token, printing each step and the summary', async () => {
  const w = world([EMPTY]);
  await expect(labRoster('lab:roster', { interval: 2000, free: 'alice' }, w.deps)).resolves.toBe(0);
  expect(w.calls).toEqual(['free alice mgmt-0123456789']);
  expect(w.fake.out).toEqual(['deleted 1 token of alice\n', '"alice" is free\n']);
  // The roster reads with fetch: the lab's Consul client is closed at once.
  expect(w.lab.closed).toBe(1);
});

test('one read, as lines or as JSON', async () => {
  const w = world([EMPTY]);
  await expect(labRoster('lab:roster', { interval: 2000, json: true }, w.deps)).resolves.toBe(0);
  expect(JSON.parse(w.fake.out.join(''))).toMatchObject({ consulUrl: EMPTY.consulUrl, pageUrl: EMPTY.pageUrl });
});

test('--watch: a report every interval, stamped in a pipe; a failed read is one line and the next one goes on', async () => {
  const w = world([new Error('connect ECONNREFUSED 127.0.0.1:8500'), EMPTY], 2);
  await expect(labRoster('lab:roster', { interval: 2000, watch: true }, w.deps)).rejects.toBeInstanceOf(Enough);
  expect(w.fake.out).toHaveLength(2);
  expect(w.fake.out[0]).toBe('2026-01-01T00:00:00.000Z\nlab:roster: connect ECONNREFUSED 127.0.0.1:8500\n');
  expect(w.fake.out[1]!.startsWith('2026-01-01T00:00:02.000Z\n')).toBe(true);
});

test('--watch on a terminal redraws in place', async () => {
  const w = world([EMPTY], 1);
  w.deps.isTTY = true;
  await expect(labRoster('lab:roster', { interval: 2000, watch: true }, w.deps)).rejects.toBeInstanceOf(Enough);
  expect(w.fake.out[0]!.startsWith('\u001b[H\u001b[2J2026-01-01T00:00:00.000Z\n')).toBe(true);
});
