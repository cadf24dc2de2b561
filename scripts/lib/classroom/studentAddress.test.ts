import fc from 'fast-check';
import { UsageError } from '../../../services/shared/errors';
import { ENROLL_PORT } from '../../../services/enrollment/names';
import {
  instructorPortsHint,
  localAddressToward,
  parseAdvertiseAddress,
  parseJoinTarget,
  parseStudentName,
  studentSettings,
} from './studentAddress';

const noFiles = (): boolean => false;

describe('parseJoinTarget', () => {
  test.each([
    ['192.168.1.20', '192.168.1.20', ENROLL_PORT],
    ['192.168.1.20:9099', '192.168.1.20', 9099],
    ['https://192.168.1.20', '192.168.1.20', ENROLL_PORT],
    ['https://192.168.1.20:8099/', '192.168.1.20', 8099],
    ['instructor.local', 'instructor.local', ENROLL_PORT],
    ['[fd00::7]:8099', 'fd00::7', 8099],
  ])('%s is an address', (arg, host, port) => {
    const t = parseJoinTarget(arg, noFiles);
    expect(t).toMatchObject({ kind: 'address', host, port });
    if (t.kind === 'address') expect(new URL(t.enrollUrl).port).toBe(port === 80 ? '' : String(port));
  });

  test.each(['join.json', './join.json', '/tmp/x/join.json', 'C:\\Users\\me\\join.json', '../join.JSON'])('%s is a file', (arg) => {
    expect(parseJoinTarget(arg, noFiles)).toEqual({ kind: 'file', path: arg });
  });

  test('an existing file wins over an address-looking name', () => {
    expect(parseJoinTarget('instructor', (p) => p === 'instructor')).toEqual({ kind: 'file', path: 'instructor' });
  });

  test.each([
    '',
    '   ',
    'http://192.168.1.20',
    'ftp://x',
    'https://x/v1/join-info',
    'a b',
    'x:0',
    'x:99999',
    'user:pw@10.0.0.1',
    'https://u:secret@10.0.0.1',
  ])('refuses %j with a UsageError', (arg) => {
    expect(() => parseJoinTarget(arg, noFiles)).toThrow(UsageError);
  });

  test('never quotes credentials', () => {
    expect(() => parseJoinTarget('https://u:hunter22@10.0.0.1', noFiles)).toThrow(/^(?!.*hunter22)/);
  });

  test('any input: a usable target or a one-line UsageError, nothing else', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (arg) => {
        try {
          const t = parseJoinTarget(arg, noFiles);
          if (t.kind === 'address') {
            // The enrollment URL is always a valid https URL on the parsed port.
            const u = new URL(t.enrollUrl);
            expect(u.protocol).toBe('https:');
            expect(t.port).toBeGreaterThanOrEqual(1);
            expect(t.port).toBeLessThanOrEqual(65535);
          } else {
            expect(t.path).toBe(arg.trim());
          }
        } catch (err) {
          expect(err).toBeInstanceOf(UsageError);
          expect((err as Error).message).not.toMatch(/\n/);
          expect((err as Error).message.length).toBeLessThan(400);
        }
      }),
      { numRuns: 2000 },
    );
  });

  test('every IPv4 address with or without a port is an address target', () => {
    fc.assert(
      fc.property(fc.ipV4(), fc.option(fc.integer({ min: 1, max: 65535 })), fc.boolean(), (ip, port, scheme) => {
        const arg = `${scheme ? 'https://' : ''}${ip}${port === null ? '' : `:${port}`}`;
        expect(parseJoinTarget(arg, noFiles)).toMatchObject({ kind: 'address', host: ip, port: port ?? ENROLL_PORT });
      }),
    );
  });
});

describe('parseStudentName', () => {
  test.each([
    ['alice', 'alice'],
    ['Alice-Smith', 'alice-smith'],
    ['a', 'a'],
    ['x'.repeat(39), 'x'.repeat(39)],
  ])('%s → %s', (input, out) => {
    expect(parseStudentName(input)).toBe(out);
  });

  test.each(['', '-alice', 'alice-', 'al--ice', 'al_ice', 'al ice', 'x'.repeat(40), 'alice\n', 'élise', '../x'])(
    'refuses %j (exit 2)',
    (input) => {
      expect(() => parseStudentName(input)).toThrow(UsageError);
      expect(() => parseStudentName(input)).toThrow(/^--name /);
    },
  );

  test('any input: a lower-case GitHub login (safe as a node name, service ID and URL path) or a UsageError', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (input) => {
        try {
          const name = parseStudentName(input);
          expect(name).toMatch(/^[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){0,38}$/);
          expect(name).toBe(input.toLowerCase());
        } catch (err) {
          expect(err).toBeInstanceOf(UsageError);
          expect((err as Error).message).not.toMatch(/\n/);
        }
      }),
      { numRuns: 2000 },
    );
  });

  test('every GitHub login is accepted', () => {
    const chunk = fc.stringMatching(/^[A-Za-z0-9]{1,6}$/);
    fc.assert(
      fc.property(fc.array(chunk, { minLength: 1, maxLength: 5 }), (parts) => {
        const login = parts.join('-').slice(0, 39).replace(/-+$/, '');
        expect(parseStudentName(login)).toBe(login.toLowerCase());
      }),
    );
  });
});

describe('parseAdvertiseAddress', () => {
  test('a LAN address', () => {
    expect(parseAdvertiseAddress(' 192.168.1.31 ')).toBe('192.168.1.31');
  });
  test.each(['127.0.0.1', '0.0.0.0', '255.255.255.255', '224.0.0.1', '::1', 'laptop.local', '10.0.0', ''])('refuses %j', (v) => {
    expect(() => parseAdvertiseAddress(v)).toThrow(UsageError);
  });
  test('any input: an IPv4 address or a UsageError', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 40 }), fc.ipV4()), (v) => {
        try {
          expect(parseAdvertiseAddress(v)).toMatch(/^\d{1,3}(\.\d{1,3}){3}$/);
        } catch (err) {
          expect(err).toBeInstanceOf(UsageError);
        }
      }),
    );
  });
});

describe('studentSettings', () => {
  test('defaults: what a real student runs', () => {
    expect(studentSettings({})).toEqual({ project: 'lab-student', serfPort: 8301, apiPort: 8081, httpPort: 8500 });
  });
  test('env overrides, for a test beside another lab', () => {
    expect(
      studentSettings({
        LAB_STUDENT_PROJECT: 'cl-stud',
        LAB_STUDENT_SERF_PORT: '8401',
        LAB_STUDENT_API_PORT: '8481',
        LAB_STUDENT_HTTP_PORT: '18580',
      }),
    ).toEqual({ project: 'cl-stud', serfPort: 8401, apiPort: 8481, httpPort: 18580 });
  });
  test.each([
    { LAB_STUDENT_PROJECT: 'Bad Name' },
    { LAB_STUDENT_SERF_PORT: '0' },
    { LAB_STUDENT_API_PORT: 'x' },
    { LAB_STUDENT_SERF_PORT: '8081' },
  ])('refuses %j', (env) => {
    expect(() => studentSettings(env)).toThrow(UsageError);
  });
});

test('instructorPortsHint names the enrollment, RPC and gossip ports of every server', () => {
  expect(instructorPortsHint('192.168.1.20', ['192.168.1.20:8301', '192.168.1.20:8311', '192.168.1.20:8321'])).toBe(
    'TCP 8099 (enrollment), TCP 8300, 8310, 8320 (Consul RPC) and TCP+UDP 8301, 8311, 8321 (Consul gossip) to 192.168.1.20',
  );
});

test('localAddressToward: the source address of the route (loopback toward loopback), without sending anything', async () => {
  await expect(localAddressToward('127.0.0.1', 8301)).resolves.toBe('127.0.0.1');
});
