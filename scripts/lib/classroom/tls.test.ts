import { createHash, X509Certificate } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { caPin, normalisePin, parseTlsOutput, readClassroomTls, SERVER_COUNT, tlsFromFiles, tlsScript, TLS_DIR } from './tls';
import { CLASSROOM_CA_PEM, OTHER_CA_PEM } from './testdata/testCas';

/** What the container prints: every file behind a `==> name` line. */
function output(files: Record<string, string>): string {
  return Object.entries(files)
    .map(([name, text]) => `==> ${name}\n${text}`)
    .join('');
}

const KEY = '-----BEGIN EC PRIVATE KEY-----\nMHcCAQEE\n-----END EC PRIVATE KEY-----\n';
const allFiles = (): Record<string, string> => {
  const f: Record<string, string> = { 'consul-agent-ca.pem': CLASSROOM_CA_PEM, 'consul-agent-ca-key.pem': KEY };
  for (let i = 0; i < SERVER_COUNT; i++) {
    f[`dc1-server-consul-${i}.pem`] = OTHER_CA_PEM;
    f[`dc1-server-consul-${i}-key.pem`] = KEY;
  }
  f['dc1-client-consul-0.pem'] = OTHER_CA_PEM;
  f['dc1-client-consul-0-key.pem'] = KEY;
  return f;
};

describe('classroom TLS', () => {
  it("the script runs Consul's own commands: a CA, one server certificate per server and a client one, all for the LAN address", () => {
    const s = tlsScript('192.168.1.20', 30);
    expect(s).toContain('consul tls ca create -days 30');
    expect(s.match(/consul tls cert create -server -dc dc1 -days 30 -additional-ipaddress 192\.168\.1\.20/g)).toHaveLength(SERVER_COUNT);
    expect(s).toContain('consul tls cert create -client -dc dc1 -days 30 -additional-ipaddress 192.168.1.20');
    expect(() => tlsScript('192.168.1.20; rm -rf /')).toThrow(/not an IPv4 address/);
  });

  it('parses the files back, each PEM block under its name; the CA key apart from what the containers get', () => {
    const { tls, caKeyPem } = tlsFromFiles(parseTlsOutput(output(allFiles())));
    expect(tls.caPem).toBe(CLASSROOM_CA_PEM);
    expect(caKeyPem).toBe(KEY);
    expect(tls.servers).toHaveLength(SERVER_COUNT);
    expect(tls.enrollment.keyPem).toBe(KEY);
    expect(JSON.stringify(tls)).not.toContain('consul-agent-ca-key');
  });

  it('a missing file is an error naming it', () => {
    const files = allFiles();
    delete files['dc1-server-consul-1-key.pem'];
    expect(() => tlsFromFiles(parseTlsOutput(output(files)))).toThrow(/dc1-server-consul-1\.pem and dc1-server-consul-1-key\.pem/);
  });

  it("the pin is the first 16 hex digits of the SHA-256 of the CA's DER", () => {
    const der = new X509Certificate(CLASSROOM_CA_PEM).raw;
    expect(caPin(CLASSROOM_CA_PEM)).toBe(createHash('sha256').update(der).digest('hex').slice(0, 16));
    expect(caPin(CLASSROOM_CA_PEM)).not.toBe(caPin(OTHER_CA_PEM));
  });

  it('a pin as typed: case, colons and spaces do not matter; anything else is not a pin', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9a-f]{16}$/), (pin) => {
        expect(normalisePin(pin)).toBe(pin);
        expect(normalisePin(pin.toUpperCase())).toBe(pin);
        expect(normalisePin(pin.match(/../g)!.join(':'))).toBe(pin);
        expect(normalisePin(pin.slice(1))).toBeUndefined();
        expect(normalisePin(`${pin}0`)).toBeUndefined();
      }),
    );
    for (const bad of ['', 'g123456789abcdef', '0123456789abcdef; x']) expect(normalisePin(bad)).toBeUndefined();
  });

  it('--resume reads the class from its dir, and refuses certificates for another LAN address', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tls-'));
    try {
      expect(readClassroomTls(dir, '192.168.1.20')).toBeUndefined();
      const tlsDir = path.join(dir, TLS_DIR);
      mkdirSync(tlsDir);
      const write = (f: string, t: string): void => writeFileSync(path.join(tlsDir, f), t);
      write('ca.pem', CLASSROOM_CA_PEM);
      for (let i = 1; i <= SERVER_COUNT; i++) {
        write(`server-${i}.pem`, OTHER_CA_PEM);
        write(`server-${i}-key.pem`, KEY);
      }
      // A CA certificate names no IP address: as the enrollment certificate it is "for another address".
      write('enrollment.pem', OTHER_CA_PEM);
      write('enrollment-key.pem', KEY);
      expect(() => readClassroomTls(dir, '192.168.1.20')).toThrow(/another LAN address than 192\.168\.1\.20.*without --resume/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
