import type { ConsulClient } from '../shared/consul/client';
import type { ExerciseResult } from '../exercises';
import { sharedChecks } from './checks';

const consul = {} as ConsulClient;
const result = (n: number): ExerciseResult[] => [{ id: 'lab', title: `run ${n}`, checks: [] } as unknown as ExerciseResult];

/** A provider whose runs the test finishes by hand, counting how many were started. */
function manualProvider() {
  const pending: Array<{ resolve: (r: ExerciseResult[]) => void; reject: (e: Error) => void }> = [];
  let runs = 0;
  const provider = () => {
    runs++;
    return new Promise<ExerciseResult[]>((resolve, reject) => pending.push({ resolve, reject }));
  };
  return { provider, pending, runs: () => runs };
}

test('concurrent callers share one run; its result is reused until the TTL passes', async () => {
  let t = 1000;
  const m = manualProvider();
  const checks = sharedChecks(m.provider, { ttlMs: 3000, now: () => t });
  const a = checks(consul);
  const b = checks(consul);
  expect(m.runs()).toBe(1);
  m.pending[0]!.resolve(result(1));
  await expect(a).resolves.toEqual(result(1));
  await expect(b).resolves.toEqual(result(1));

  t += 2999;
  await expect(checks(consul)).resolves.toEqual(result(1));
  expect(m.runs()).toBe(1);

  t += 1;
  const c = checks(consul);
  expect(m.runs()).toBe(2);
  m.pending[1]!.resolve(result(2));
  await expect(c).resolves.toEqual(result(2));
});

test('a failure is shared and cached too, then retried after the TTL', async () => {
  let t = 0;
  const m = manualProvider();
  const checks = sharedChecks(m.provider, { ttlMs: 3000, now: () => t });
  const a = checks(consul);
  m.pending[0]!.reject(new Error('Consul down'));
  await expect(a).rejects.toThrow('Consul down');
  await expect(checks(consul)).rejects.toThrow('Consul down');
  expect(m.runs()).toBe(1);
  t = 3000;
  const b = checks(consul);
  m.pending[1]!.resolve(result(2));
  await expect(b).resolves.toEqual(result(2));
  expect(m.runs()).toBe(2);
});

test('a run that does not answer in time fails with one line, and a later call starts afresh', async () => {
  let t = 0;
  const m = manualProvider();
  const checks = sharedChecks(m.provider, { ttlMs: 3000, timeoutMs: 20, now: () => t });
  await expect(checks(consul)).rejects.toThrow('checks: no answer within 20 ms');
  t = 3000;
  void checks(consul).catch(() => undefined);
  expect(m.runs()).toBe(2);
  for (const p of m.pending) p.resolve(result(0));
});
