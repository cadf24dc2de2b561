import { sleep, withTimeout } from './async';

test('sleep waits about as long as asked', async () => {
  const t0 = Date.now();
  await sleep(30);
  expect(Date.now() - t0).toBeGreaterThanOrEqual(25);
});

describe('withTimeout', () => {
  test('a promise that never settles: an error naming what did not answer and the limit', async () => {
    await expect(withTimeout(new Promise(() => undefined), 20, 'agent/members')).rejects.toThrow('agent/members: no answer within 20 ms');
  });

  test('an answer in time is passed through, and so is an error', async () => {
    await expect(withTimeout(Promise.resolve(42), 1000, 'x')).resolves.toBe(42);
    await expect(withTimeout(Promise.reject(new Error('ECONNREFUSED')), 1000, 'x')).rejects.toThrow('ECONNREFUSED');
  });

  test('the timer is cleared once the promise settles (nothing left to keep the process alive)', async () => {
    const spy = jest.spyOn(global, 'clearTimeout');
    try {
      await withTimeout(Promise.resolve(1), 60_000, 'x');
      expect(spy).toHaveBeenCalled();
    } finally {
      spy.mockRestore();
    }
  });
});
