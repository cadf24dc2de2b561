import { WakeableSleep } from './wakeableSleep';

test('sleeps, and wake() ends the current sleep at once', async () => {
  const s = new WakeableSleep();
  const t0 = Date.now();
  await s.sleep(30);
  expect(Date.now() - t0).toBeGreaterThanOrEqual(25);

  const t1 = Date.now();
  const long = s.sleep(10_000);
  s.wake();
  await long;
  expect(Date.now() - t1).toBeLessThan(1000);
  await s.sleep(10); // still usable after a plain wake
});

test('wake({ stop: true }) also ends every later sleep at once', async () => {
  const s = new WakeableSleep();
  s.wake({ stop: true });
  const t0 = Date.now();
  await s.sleep(10_000);
  expect(Date.now() - t0).toBeLessThan(1000);
});
