import { pingOnce, shownReply } from './exchange';
import { REQUEST_ERRORS } from './names';
import { closingServer, freePort, pongServer, replyingServer, resettingServer, type Running, silentServer } from './testdata/servers';

const at = (port: number) => ({ host: '127.0.0.1', port });
let running: Running | undefined;
afterEach(async () => {
  await running?.close();
  running = undefined;
});

test('PONG is ok, with the reply and the time it took', async () => {
  running = await pongServer();
  const o = await pingOnce(at(running.port), 1000);
  expect(o).toEqual({ ok: true, reply: 'PONG', ms: expect.any(Number) });
  expect(o.ms).toBeGreaterThanOrEqual(0);
  expect(o.ms).toBeLessThan(1000);
});

test('nothing listening: connection refused (the sidecar is down)', async () => {
  expect(await pingOnce(at(await freePort()), 1000)).toMatchObject({ ok: false, error: REQUEST_ERRORS.refused });
});

test('accepted, then closed at once: closed without a reply (what the proxy does when an intention denies)', async () => {
  running = await closingServer();
  const o = await pingOnce(at(running.port), 1000);
  expect(o).toEqual({ ok: false, error: 'closed without a reply', ms: expect.any(Number) });
});

test('accepted, then reset: also closed without a reply', async () => {
  running = await resettingServer();
  expect(await pingOnce(at(running.port), 1000)).toMatchObject({ ok: false, error: REQUEST_ERRORS.closed });
});

test('accepted and silent: timed out, after the timeout', async () => {
  running = await silentServer();
  const o = await pingOnce(at(running.port), 150);
  expect(o).toMatchObject({ ok: false, error: 'timed out' });
  expect(o.ms).toBeGreaterThanOrEqual(140);
});

test('garbage: unexpected reply, its first 40 characters, terminal-safe', async () => {
  running = await replyingServer(`\u001b[2J-ERR${'x'.repeat(100)}\r\n`);
  const o = await pingOnce(at(running.port), 1000);
  expect(o.ok).toBe(false);
  expect(o.error).toBe(`unexpected reply "\\u001b[2J-ERR${'x'.repeat(32)}"`);
  // eslint-disable-next-line no-control-regex -- no raw control character may reach a terminal
  expect(o.error).not.toMatch(/[\u0000-\u001f]/);
});

test('a reply cut off by the close is judged as it came; PONG\\r\\n is PONG', async () => {
  running = await replyingServer('HELLO');
  expect(await pingOnce(at(running.port), 1000)).toMatchObject({ ok: false, error: 'unexpected reply "HELLO"' });
  await running.close();
  running = await replyingServer('PONG\r\n');
  expect(await pingOnce(at(running.port), 1000)).toMatchObject({ ok: true });
});

test('shownReply: at most 40 characters, controls escaped', () => {
  expect(shownReply('a'.repeat(50))).toBe('a'.repeat(40));
  expect(shownReply('\u0015\u0003\u0003\u0000\u0002')).toBe('\\u0015\\u0003\\u0003\\u0000\\u0002');
});
