import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { toolPath } from '../../test/harness/paths';
import { redactSecrets } from '../shared/secrets';
import { enrollmentOptionsFromEnv } from './options';

const JOIN = JSON.stringify({ version: 1, datacenter: 'dc1', joinCode: 'kite-maple-7421', gossipKey: 'g'.repeat(43) + '=' });
const JWT_KEY = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

/** A throwaway CA and a `consul tls cert create -client` certificate, as lab:up makes them (the pinned Consul's own command). */
function makeCerts(): { ca: string; cert: string; key: string; otherKey: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'enroll-opts-'));
  try {
    const consul = toolPath('consul');
    execFileSync(consul, ['tls', 'ca', 'create', '-days', '2'], { cwd: dir, stdio: 'ignore', timeout: 30_000 });
    execFileSync(consul, ['tls', 'cert', 'create', '-client', '-days', '2'], { cwd: dir, stdio: 'ignore', timeout: 30_000 });
    execFileSync(consul, ['tls', 'cert', 'create', '-client', '-days', '2'], { cwd: dir, stdio: 'ignore', timeout: 30_000 });
    const read = (f: string): string => readFileSync(path.join(dir, f), 'utf8');
    return {
      ca: read('consul-agent-ca.pem'),
      cert: read('dc1-client-consul-0.pem'),
      key: read('dc1-client-consul-0-key.pem'),
      otherKey: read('dc1-client-consul-1-key.pem'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('enrollmentOptionsFromEnv', () => {
  let certs: ReturnType<typeof makeCerts>;
  let base: NodeJS.ProcessEnv;
  beforeAll(() => {
    certs = makeCerts();
    base = {
      ENROLL_JOIN_INFO: JOIN,
      ENROLL_TLS_CERT: certs.cert + certs.ca,
      ENROLL_TLS_KEY: certs.key,
      ENROLL_JWT_KEY: JWT_KEY,
      CONSUL_HTTP_ADDR: '127.0.0.1:8500',
      CONSUL_HTTP_TOKEN: 'enroll-token-1234',
    };
  });

  it('reads the env, with defaults; every secret is registered for redaction', () => {
    const o = enrollmentOptionsFromEnv(base);
    expect(o).toMatchObject({
      consulUrl: 'http://127.0.0.1:8500',
      consulToken: 'enroll-token-1234',
      port: 8099,
      bind: '0.0.0.0',
      joinCode: 'kite-maple-7421',
      datacenter: 'dc1',
      tlsCertPem: certs.cert + certs.ca,
      tlsKeyPem: certs.key,
      logFormat: 'text',
    });
    expect(o.jwtKey.asymmetricKeyType).toBe('ec');
    expect(redactSecrets(`code kite-maple-7421 token enroll-token-1234 ${certs.key} ${JWT_KEY}`)).toBe(
      'code [redacted] token [redacted] [redacted] [redacted]',
    );
  });

  it('takes join info version 2 (with the CA)', () => {
    const v2 = JSON.stringify({ ...(JSON.parse(JOIN) as object), version: 2, ca: certs.ca });
    expect(enrollmentOptionsFromEnv({ ...base, ENROLL_JOIN_INFO: v2 }).joinInfoJson).toBe(v2);
  });

  it.each<[string, (c: ReturnType<typeof makeCerts>) => NodeJS.ProcessEnv, RegExp]>([
    ['no join info', () => ({ ENROLL_JOIN_INFO: '' }), /^ENROLL_JOIN_INFO is not set/],
    ['join info not JSON', () => ({ ENROLL_JOIN_INFO: '{' }), /^ENROLL_JOIN_INFO: not JSON$/],
    [
      'join info v3',
      () => ({ ENROLL_JOIN_INFO: JOIN.replace('"version":1', '"version":3') }),
      /^ENROLL_JOIN_INFO: version: must be 1 or 2$/,
    ],
    ['no code', () => ({ ENROLL_JOIN_INFO: '{"version":1,"datacenter":"dc1"}' }), /^ENROLL_JOIN_INFO: joinCode/],
    ['no datacenter', () => ({ ENROLL_JOIN_INFO: '{"version":1,"joinCode":"kite-maple-1"}' }), /^ENROLL_JOIN_INFO: datacenter/],
    ['no cert', () => ({ ENROLL_TLS_CERT: undefined }), /^ENROLL_TLS_CERT is not set/],
    ['no key', () => ({ ENROLL_TLS_KEY: '' }), /^ENROLL_TLS_KEY is not set/],
    ['a cert that is not PEM', () => ({ ENROLL_TLS_CERT: 'hello' }), /^ENROLL_TLS_CERT: not a PEM certificate$/],
    [
      'a damaged cert',
      () => ({ ENROLL_TLS_CERT: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n' }),
      /^ENROLL_TLS_CERT: a certificate in it cannot be read$/,
    ],
    ['a key that is no key', () => ({ ENROLL_TLS_KEY: 'secret-junk-value' }), /^ENROLL_TLS_KEY: not a readable PEM private key$/],
    ['another key', (c) => ({ ENROLL_TLS_KEY: c.otherKey }), /^ENROLL_TLS_KEY: not the private key of ENROLL_TLS_CERT's first/],
    ['the CA first', (c) => ({ ENROLL_TLS_CERT: c.ca + c.cert }), /^ENROLL_TLS_KEY: not the private key of ENROLL_TLS_CERT's first/],
    ['no JWT key', () => ({ ENROLL_JWT_KEY: undefined }), /^ENROLL_JWT_KEY is not set/],
    ['the TLS key as JWT key (SEC1, not PKCS#8)', (c) => ({ ENROLL_JWT_KEY: c.key }), /^ENROLL_JWT_KEY: must be a PKCS#8 PEM/],
    ['a bad port', () => ({ ENROLL_PORT: 'x' }), /^ENROLL_PORT/],
    ['a bad log format', () => ({ LOG_FORMAT: 'xml' }), /^LOG_FORMAT: must be/],
  ])('refuses %s in one line naming the variable, never its value', (_what, change, msg) => {
    const env = { ...base, ...change(certs) };
    let err: Error | undefined;
    try {
      enrollmentOptionsFromEnv(env);
    } catch (e) {
      err = e as Error;
    }
    expect(err?.name).toBe('UsageError');
    expect(err?.message).toMatch(msg);
    expect(err?.message).not.toContain('\n');
    for (const v of ['secret-junk-value', 'AAAA', certs.key.slice(40, 80), JWT_KEY.slice(40, 80)]) expect(err?.message).not.toContain(v);
  });
});
