import type Docker from 'dockerode';
import { fakeCommandIo } from '../lab/testdata/fakeCommandIo';
import type { UpCleanup, UpOptions, UpResult } from './sim/classroom';
import type { SimOutput } from './sim/simState';
import { classroomSim, type SimDeps, type SimOptions } from './simCommand';

const OPTS: SimOptions = { students: 2, build: true };
const OUTPUT = { students: [{ name: 'alice' }, { name: 'bob' }] } as unknown as SimOutput;

function world(up: (opts: UpOptions) => Promise<UpResult>) {
  const fake = fakeCommandIo();
  const err: string[] = [];
  const calls: string[] = [];
  let signal: (sig: NodeJS.Signals) => void = () => undefined;
  let exited: (code: number) => void = () => undefined;
  const exitCode = new Promise<number>((resolve) => (exited = resolve));
  const deps: SimDeps = {
    ...fake.io,
    root: '/repo',
    connectDocker: async () => ({}) as Docker,
    down: async () => 3,
    up,
    add: async (opts) => {
      calls.push(`add ${opts.students} full ${opts.full}`);
      return OUTPUT;
    },
    newCleanup: () => ({ run: async () => void calls.push('cleanup') }) as unknown as UpCleanup,
    onSignal: (handler) => void (signal = handler),
    exit: (code) => exited(code),
    err: (text) => void err.push(text),
  };
  return { fake, err, calls, deps, signal: (sig: NodeJS.Signals) => signal(sig), exitCode };
}

test('down: what it removed, on stderr', async () => {
  const w = world(async () => ({ already: false, output: OUTPUT }));
  await expect(classroomSim('classroom:sim', 'down', OPTS, w.deps)).resolves.toBe(0);
  expect(w.err).toEqual(['classroom:sim: down (0.0 s)\n']);
  w.deps.down = async () => 0;
  await classroomSim('classroom:sim', 'down', OPTS, w.deps);
  expect(w.err[1]).toBe('classroom:sim: nothing to remove\n');
});

test('up: the flags reach the sim with the shared clean-up; its JSON is the one stdout line', async () => {
  const seen: UpOptions[] = [];
  const w = world(async (opts) => {
    seen.push(opts);
    return { already: false, output: OUTPUT };
  });
  await expect(classroomSim('classroom:sim', 'up', { ...OPTS, keepOnFailure: true, build: false }, w.deps)).resolves.toBe(0);
  expect(seen[0]).toMatchObject({ repoRoot: '/repo', students: 2, keepOnFailure: true, build: false });
  await seen[0]!.cleanup!.run();
  expect(w.calls).toEqual(['cleanup']);
  expect(w.fake.out).toEqual([JSON.stringify(OUTPUT) + '\n']);
});

test('up when it is already up says so and prints the JSON again', async () => {
  const w = world(async () => ({ already: true, output: OUTPUT }));
  await classroomSim('classroom:sim', 'up', OPTS, w.deps);
  expect(w.fake.progressTexts()).toEqual([
    'the simulated classroom is already up (2 students): printing it again; "down" first for a fresh one',
  ]);
});

test('SIGTERM during up: the clean-up runs once, one line, exit 143; the failed up adds no second error', async () => {
  let fail: (e: Error) => void = () => undefined;
  const w = world(() => new Promise<UpResult>((_resolve, reject) => (fail = reject)));
  let settled = false;
  void classroomSim('classroom:sim', 'up', OPTS, w.deps).finally(() => (settled = true));
  await new Promise((r) => setImmediate(r));
  w.signal('SIGTERM');
  w.signal('SIGINT');
  await expect(w.exitCode).resolves.toBe(143);
  expect(w.calls).toEqual(['cleanup']);
  expect(w.err).toEqual(['classroom:sim: interrupted (SIGTERM); removed what this up had started\n']);
  fail(new Error('docker exec: machine gone'));
  await new Promise((r) => setImmediate(r));
  expect(settled).toBe(false);
});

test('a failed up without a signal: its error', async () => {
  const w = world(async () => {
    throw new Error('the instructor machine did not start');
  });
  await expect(classroomSim('classroom:sim', 'up', OPTS, w.deps)).rejects.toThrow('the instructor machine did not start');
});

test('add: the count reaches the sim, its JSON is the one stdout line, nothing is cleaned up', async () => {
  const w = world(async () => ({ already: false, output: OUTPUT }));
  await expect(classroomSim('classroom:sim', 'add', { ...OPTS, students: 3 }, w.deps)).resolves.toBe(0);
  await classroomSim('classroom:sim', 'add', { ...OPTS, students: 1, full: 1 }, w.deps);
  // add's new students share the room machine unless --full says otherwise.
  expect(w.calls).toEqual(['add 3 full 0', 'add 1 full 1']);
  expect(w.fake.out).toEqual([JSON.stringify(OUTPUT) + '\n', JSON.stringify(OUTPUT) + '\n']);
});

test('up: --full reaches the sim, 2 when not given', async () => {
  const seen: UpOptions[] = [];
  const w = world(async (opts) => {
    seen.push(opts);
    return { already: false, output: OUTPUT };
  });
  await classroomSim('classroom:sim', 'up', { ...OPTS, students: 30, full: 3 }, w.deps);
  await classroomSim('classroom:sim', 'up', { ...OPTS, students: 30 }, w.deps);
  expect(seen[0]).toMatchObject({ students: 30, full: 3 });
  expect(seen[1]).toMatchObject({ students: 30, full: 2 });
});
