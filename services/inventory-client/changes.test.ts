import { RequestChanges, TlsChanges, humanDuration } from './changes';
import type { RequestRecord, TlsRecord } from './names';

const t0 = Date.parse('2026-12-07T10:00:00.000Z');
const req = (s: number, error?: string): RequestRecord => ({
  kind: 'request',
  at: new Date(t0 + s * 1000).toISOString(),
  ok: error === undefined,
  ms: 1.2,
  ...(error === undefined ? { reply: 'PONG' } : { error }),
});

test('text mode says only what changed: first outcome, ok → failing, a new error, failing → ok with how long', () => {
  const c = new RequestChanges('127.0.0.1:16380');
  const lines = [
    req(0),
    req(1),
    req(2, 'closed without a reply'),
    req(3, 'closed without a reply'),
    req(4, 'connection refused'),
    req(5, 'connection refused'),
    req(14.5),
    req(15),
  ].map((r) => c.next(r));
  expect(lines.map((l) => l && `${l.level} ${l.msg}`)).toEqual([
    'info inventory-db answers PONG',
    undefined,
    'warn requests failing: closed without a reply',
    undefined,
    'warn still failing, now: connection refused',
    undefined,
    'info inventory-db answers again after 12.5s failing',
    undefined,
  ]);
  expect(lines[2]?.fields).toEqual({ target: '127.0.0.1:16380' });
  expect(lines[6]?.fields).toMatchObject({ failed: 4 });
});

test('failing from the first request: one warning, then nothing until it changes', () => {
  const c = new RequestChanges('t');
  expect(c.next(req(0, 'timed out'))?.msg).toBe('requests failing: timed out');
  expect(c.next(req(1, 'timed out'))).toBeUndefined();
});

test('humanDuration', () => {
  expect(humanDuration(850)).toBe('850ms');
  expect(humanDuration(12_340)).toBe('12.3s');
  expect(humanDuration(125_000)).toBe('2m 5s');
});

const tlsRec = (over: Partial<TlsRecord> = {}): TlsRecord => ({
  kind: 'tls',
  at: '2026-12-07T10:00:00.000Z',
  target: '10.213.50.22:21000',
  ok: true,
  uri: 'spiffe://x.consul/ns/default/dc/dc1/svc/inventory-db',
  issuer: 'pri-1.consul.ca',
  serial: '0A',
  validTo: '2026-12-10T10:00:00.000Z',
  refused: true,
  refusal: 'tlsv13 alert certificate required',
  plainAnswered: false,
  plainOutcome: 'closed without a reply',
  ...over,
});

test('TLS probe: the first outcome, then only a change (a new certificate, the listener gone)', () => {
  const c = new TlsChanges();
  const first = c.next(tlsRec());
  expect(first).toMatchObject({
    level: 'info',
    msg: 'TLS probe: certificate presented, refused us without a client certificate, and no plain-text PING is answered',
  });
  expect(first?.fields).toMatchObject({ uri: 'spiffe://x.consul/ns/default/dc/dc1/svc/inventory-db', issuer: 'pri-1.consul.ca' });
  expect(c.next(tlsRec({ at: '2026-12-07T10:00:05.000Z' }))).toBeUndefined();
  expect(c.next(tlsRec({ serial: '0B' }))?.level).toBe('info');
  const gone = c.next(
    tlsRec({ ok: false, uri: null, issuer: null, serial: null, validTo: null, refused: false, refusal: null, error: 'connection refused' }),
  );
  expect(gone).toMatchObject({ level: 'warn', msg: 'TLS probe: no certificate (connection refused)' });
  expect(c.next(tlsRec({ refused: false, refusal: null, plainAnswered: true, plainOutcome: 'PONG' }))).toMatchObject({
    level: 'warn',
    msg: 'TLS probe: certificate presented, did NOT refuse us without a client certificate, and answered a plain-text PING',
  });
});
