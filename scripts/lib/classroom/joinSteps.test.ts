import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { UsageError } from '../../../services/shared/errors';
import { joinInfoFor, serializeJoinInfo } from './joinInfo';
import type { ConsulCheck } from '../../../services/shared/consul/schemas';
import { judgeHealth, resolveJoinInfo, tcpReachable } from './joinSteps';
import { CLASSROOM_CA_PEM } from './testdata/testCas';
import { caPin } from './tls';

/** The join info lab:up writes for an instructor at 192.168.1.20. */
const joinInfo = joinInfoFor('192.168.1.20', { gossipKey: 'a'.repeat(43) + '=', joinCode: 'kite-maple-7421' }, 8080, CLASSROOM_CA_PEM);

let tmp: string;
beforeEach(() => (tmp = mkdtempSync(path.join(os.tmpdir(), 'join-steps-'))));
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

test('a join file: read and checked against --pin when given', async () => {
  const file = path.join(tmp, 'join.json');
  writeFileSync(file, serializeJoinInfo(joinInfo));
  await expect(resolveJoinInfo(file, undefined, undefined)).resolves.toEqual(joinInfo);
  await expect(resolveJoinInfo(file, undefined, caPin(CLASSROOM_CA_PEM))).resolves.toEqual(joinInfo);
  await expect(resolveJoinInfo(file, undefined, '0123456789abcdef')).rejects.toThrow(
    /does not match --pin 0123456789abcdef: .*\(do not join\)$/,
  );
});

test('a missing or damaged join file is bad input (exit 2)', async () => {
  const missing = await resolveJoinInfo(path.join(tmp, 'nope.json'), undefined, undefined).catch((e: unknown) => e);
  // A name that does not exist and is no address: parseJoinTarget or the read refuses it, as bad input either way.
  expect(missing).toBeInstanceOf(UsageError);
  const damaged = path.join(tmp, 'join.json');
  writeFileSync(damaged, '{"version": 2}');
  await expect(resolveJoinInfo(damaged, undefined, undefined)).rejects.toBeInstanceOf(UsageError);
});

test('an instructor address needs --code and --pin (exit 2), before anything is sent', async () => {
  await expect(resolveJoinInfo('192.168.1.20', undefined, '0123456789abcdef')).rejects.toThrow(/^--code is required/);
  await expect(resolveJoinInfo('192.168.1.20', 'kite-maple-7421', undefined)).rejects.toThrow(/^--pin is required/);
});

test('tcpReachable: true when something listens, false when nothing does', async () => {
  const server = createServer((s) => s.end());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await expect(tcpReachable('127.0.0.1', port, 2000)).resolves.toBe(true);
  await new Promise((r) => server.close(r));
  await expect(tcpReachable('127.0.0.1', port, 2000)).resolves.toBe(false);
});

describe('judgeHealth: where the student API stands, by where its check lives', () => {
  const check = (CheckID: string, ServiceID: string, Status: string) =>
    ({ CheckID, ServiceID, Status, Node: 'student-alice', Name: CheckID, Output: '' }) as unknown as ConsulCheck;
  const serf = check('serfHealth', '', 'passing');

  test('service scope: the service check decides; the node must also pass', () => {
    expect(judgeHealth([serf], 'workshop-alice', 'service')).toEqual({ joined: true, registered: false, service: false, node: true });
    expect(judgeHealth([serf, check('service:workshop-alice', 'workshop-alice', 'passing')], 'workshop-alice', 'service')).toMatchObject({
      registered: true,
      service: true,
    });
    expect(judgeHealth([serf, check('service:workshop-alice', 'workshop-alice', 'critical')], 'workshop-alice', 'service').service).toBe(
      false,
    );
  });

  test('node scope: a node check besides serfHealth is the API registered; it passes when the whole node does', () => {
    expect(judgeHealth([serf], 'workshop-alice', 'node')).toEqual({ joined: true, registered: false, service: false, node: true });
    expect(judgeHealth([serf, check('workshop-alice:node', '', 'passing')], 'workshop-alice', 'node')).toEqual({
      joined: true,
      registered: true,
      service: true,
      node: true,
    });
    expect(judgeHealth([serf, check('workshop-alice:node', '', 'critical')], 'workshop-alice', 'node')).toMatchObject({
      registered: true,
      service: false,
      node: false,
    });
  });
});
