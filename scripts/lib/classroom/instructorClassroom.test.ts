import { classroomLines, roomSubnetOf, type Classroom } from './instructorClassroom';
import { joinInfoFor } from './joinInfo';
import { newSecrets, secretValues } from './secrets';
import { CLASSROOM_CA_PEM } from './testdata/testCas';
import { caPin } from './tls';

const none = (): undefined => undefined;

describe('the room subnet', () => {
  it("the LAN interface's, without this laptop and the gateway", () => {
    const r = roomSubnetOf('192.168.1.20', undefined, '10.213.50', '192.168.1.1', () => '192.168.1.0/24');
    expect(r.cidr).toBe('192.168.1.0/24');
    expect(r.from).toBe("the LAN interface's netmask");
    const allowed = new RegExp(r.rules.allowed);
    const excluded = new RegExp(r.rules.excluded);
    expect(allowed.test('192.168.1.31')).toBe(true);
    expect(allowed.test('10.213.50.21')).toBe(false);
    for (const a of ['192.168.1.20', '192.168.1.1']) expect(excluded.test(a)).toBe(true);
    expect(excluded.test('192.168.1.31')).toBe(false);
  });

  it('no interface found: the /24 around the address, and it says so', () => {
    const r = roomSubnetOf('172.16.5.9', undefined, '10.213.50', undefined, none);
    expect(r.cidr).toBe('172.16.5.0/24');
    expect(r.from).toMatch(/--room-subnet sets it/);
  });

  it('--room-subnet wins, and must hold the LAN address; junk is a usage error', () => {
    expect(roomSubnetOf('10.1.2.3', '10.1.0.0/16', '10.213.50', undefined, none).cidr).toBe('10.1.0.0/16');
    expect(() => roomSubnetOf('10.1.2.3', '10.9.0.0/16', '10.213.50', undefined, none)).toThrow(
      /does not contain this laptop's LAN address/,
    );
    expect(() => roomSubnetOf('10.1.2.3', 'ten/8', '10.213.50', undefined, none)).toThrow(/^--room-subnet: /);
  });

  it("a room subnet that holds the lab's own network is refused (a student could point into it)", () => {
    expect(() => roomSubnetOf('10.213.9.9', '10.213.0.0/16', '10.213.50', undefined, none)).toThrow(/LAB_SUBNET_PREFIX=/);
  });
});

describe('what lab:up prints for the room', () => {
  const secrets = newSecrets();
  const join = joinInfoFor('192.168.1.20', secrets, 8080, CLASSROOM_CA_PEM);
  const c = {
    lan: '192.168.1.20',
    dir: '/repo/.classroom',
    resumed: false,
    secrets,
    pin: caPin(CLASSROOM_CA_PEM),
    room: { cidr: '192.168.1.0/24', from: "the LAN interface's netmask", gateway: '192.168.1.1', rules: { allowed: '', excluded: '' } },
    join,
    roomApiPort: 8501,
  } as unknown as Classroom;

  it('the projected line carries the code and the pin; no secret but the code is printed', () => {
    const text = classroomLines(c, { dockerDesktop: false }).join('\n');
    expect(text).toContain(
      `npm run lab:join -- 192.168.1.20 --code ${secrets.joinCode} --pin ${caPin(CLASSROOM_CA_PEM)} --name <your-github-account>`,
    );
    expect(text).toContain('never 192.168.1.20 or the gateway 192.168.1.1');
    for (const v of secretValues(secrets).filter((v) => v !== secrets.joinCode)) expect(text).not.toContain(v);
    expect(text).not.toMatch(/Docker Desktop/);
  });

  it('on Docker Desktop it says the room arrives from one address', () => {
    expect(classroomLines(c, { dockerDesktop: true }).join('\n')).toMatch(
      /Docker Desktop: every student reaches this laptop from ONE address/,
    );
  });
});
