import fc from 'fast-check';
import { answer, LIMITS, type Store } from './protocol';

test('the commands, as a client types them', () => {
  const store: Store = new Map();
  expect(answer('PING', store).reply).toBe('PONG');
  expect(answer('set sku:1 three red chairs\r', store).reply).toBe('OK');
  expect(answer('GET sku:1', store).reply).toBe('three red chairs');
  expect(answer('COUNT', store).reply).toBe('1');
  expect(answer('DEL sku:1', store).reply).toBe('1');
  expect(answer('GET sku:1', store).reply).toBe('(nil)');
  expect(answer('QUIT', store)).toEqual({ reply: 'BYE', close: true });
});

test('bad input is an ERR line naming what is wrong, and nothing is stored', () => {
  const store: Store = new Map();
  expect(answer('', store).reply).toMatch(/^ERR empty line/);
  expect(answer('FLUSHALL', store).reply).toMatch(/^ERR unknown command/);
  expect(answer('SET', store).reply).toMatch(/^ERR SET needs a key/);
  expect(answer('SET k', store).reply).toBe('ERR SET needs a value');
  expect(answer('SET ../etc v', store).reply).toMatch(/^ERR SET needs a key/);
  expect(answer('SET shelf.a:1 v', store).reply).toBe('OK');
  expect(answer('SET k\u0007 v', store).reply).toMatch(/^ERR SET needs a key/);
  expect(answer(`SET k ${'x'.repeat(LIMITS.valueLength + 1)}`, store).reply).toMatch(/^ERR value longer/);
  expect(store.size).toBe(1);
});

test('the store stops at its key limit', () => {
  const store: Store = new Map();
  for (let i = 0; i < LIMITS.keys; i++) expect(answer(`SET k${i} v`, store).reply).toBe('OK');
  expect(answer('SET one-more v', store).reply).toMatch(/^ERR store full/);
  expect(answer('SET k0 overwritten', store).reply).toBe('OK');
});

test('property: any line gets exactly one line back, never throws, and the store stays within its limits', () => {
  fc.assert(
    fc.property(fc.array(fc.string({ maxLength: 300 }), { maxLength: 50 }), (lines) => {
      const store: Store = new Map();
      for (const line of lines) {
        const a = answer(line, store);
        expect(a.reply).not.toMatch(/[\r\n]/);
      }
      expect(store.size).toBeLessThanOrEqual(LIMITS.keys);
      for (const [k, v] of store) {
        expect(k.length).toBeLessThanOrEqual(LIMITS.keyLength);
        expect(v.length).toBeLessThanOrEqual(LIMITS.valueLength);
        // eslint-disable-next-line no-control-regex
        expect(v).not.toMatch(/[\u0000-\u001f]/);
      }
    }),
  );
});
