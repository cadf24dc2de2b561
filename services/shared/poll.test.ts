import { WaitTimeoutError, pollUntil } from './poll';

test('returns the first answer that is neither undefined nor false; errors meanwhile count as "not yet"', async () => {
  let n = 0;
  const v = await pollUntil(
    async () => {
      n++;
      if (n === 1) throw new Error('connect ECONNREFUSED');
      if (n === 2) return false;
      return n === 3 ? undefined : { n };
    },
    { timeoutMs: 2000, intervalMs: 5, what: 'x' },
  );
  expect(v).toEqual({ n: 4 });
});

test('a synchronous probe works too, and 0 or "" are answers', async () => {
  await expect(pollUntil(() => 0, { timeoutMs: 100, what: 'x' })).resolves.toBe(0);
  await expect(pollUntil(() => '', { timeoutMs: 100, what: 'x' })).resolves.toBe('');
});

test('on timeout: a WaitTimeoutError naming what, the limit, the last error (first line) and the hint', async () => {
  const p = pollUntil(
    async () => {
      throw new Error('no leader\nstack');
    },
    { timeoutMs: 50, intervalMs: 10, what: 'cluster leader', hint: 'is Consul running?' },
  );
  await expect(p).rejects.toBeInstanceOf(WaitTimeoutError);
  await expect(p).rejects.toThrow('cluster leader: not reached within 0.1 s (last error: no leader); is Consul running?');
});

test('without an error or a hint the message is just what and the limit; the last probe runs at the deadline', async () => {
  const t0 = Date.now();
  let probes = 0;
  await expect(pollUntil(() => (probes++, undefined), { timeoutMs: 120, intervalMs: 1000, what: 'y' })).rejects.toThrow(
    /^y: not reached within 0\.1 s$/,
  );
  // At the start and at the deadline (a timer may fire a millisecond early: then once more, at once).
  expect(probes).toBeGreaterThanOrEqual(2);
  expect(probes).toBeLessThanOrEqual(3);
  expect(Date.now() - t0).toBeLessThan(900);
});
