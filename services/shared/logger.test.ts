import { createLogger, parseLogFormat } from './logger';
import { UsageError } from './errors';
import { registerSecret } from './secrets';

const fixed = () => new Date('2026-11-22T10:00:00.000Z');

test('text format: one timestamped line with key=value fields', () => {
  const lines: string[] = [];
  const log = createLogger({ name: 'demo', write: (l) => lines.push(l), now: fixed }).child({ id: 'a1' });
  log.info('registered', { port: 4242, tags: ['v1'], note: 'two words' });
  expect(lines).toEqual(['2026-11-22T10:00:00.000Z INFO  demo  registered  id=a1 port=4242 tags=["v1"] note="two words"']);
});

test('json format: one parseable object per line', () => {
  const lines: string[] = [];
  const log = createLogger({ name: 'demo', format: 'json', write: (l) => lines.push(l), now: fixed });
  log.warn('retrying', { attempt: 2, error: new Error('ECONNREFUSED') });
  expect(JSON.parse(lines[0]!)).toEqual({
    ts: '2026-11-22T10:00:00.000Z',
    level: 'warn',
    name: 'demo',
    msg: 'retrying',
    attempt: 2,
    error: 'ECONNREFUSED',
  });
});

test('levels below the minimum are dropped', () => {
  const lines: string[] = [];
  const log = createLogger({ name: 'x', level: 'warn', write: (l) => lines.push(l) });
  log.info('hidden');
  log.error('shown');
  expect(lines).toHaveLength(1);
});

test('registered secrets never reach the output', () => {
  const lines: string[] = [];
  registerSecret('ghp_supersecrettoken123');
  const log = createLogger({ name: 'x', write: (l) => lines.push(l) });
  log.error('auth failed', { error: 'bad token ghp_supersecrettoken123' });
  expect(lines.join('\n')).not.toContain('ghp_supersecrettoken123');
  expect(lines[0]).toContain('[redacted]');
});

test('parseLogFormat', () => {
  expect(parseLogFormat(undefined)).toBe('text');
  expect(parseLogFormat('json')).toBe('json');
  expect(() => parseLogFormat('xml')).toThrow(/"xml"/);
  expect(() => parseLogFormat('xml')).toThrow(UsageError); // exit 2 wherever it is read (a flag or LOG_FORMAT)
});
