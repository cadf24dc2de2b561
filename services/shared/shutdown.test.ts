import { onShutdown } from './shutdown';

test('runs the handler once on the first signal, exits 0; a second signal exits 130 at once', async () => {
  const codes: number[] = [];
  let calls = 0;
  let release!: () => void;
  const off = onShutdown(
    async () => {
      calls++;
      await new Promise<void>((r) => (release = r));
    },
    { signals: ['SIGUSR2'], exit: (c) => codes.push(c) },
  );
  try {
    process.emit('SIGUSR2', 'SIGUSR2');
    process.emit('SIGUSR2', 'SIGUSR2');
    expect(calls).toBe(1);
    expect(codes).toEqual([130]);
    release();
    await new Promise((r) => setImmediate(r));
    expect(codes).toEqual([130, 0]);
  } finally {
    off();
  }
});

test('a handler that throws exits 1', async () => {
  const codes: number[] = [];
  const off = onShutdown(
    async () => {
      throw new Error('boom');
    },
    { signals: ['SIGUSR2'], exit: (c) => codes.push(c) },
  );
  try {
    process.emit('SIGUSR2', 'SIGUSR2');
    await new Promise((r) => setImmediate(r));
    expect(codes).toEqual([1]);
  } finally {
    off();
  }
});
