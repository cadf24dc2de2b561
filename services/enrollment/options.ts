import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import { consulUrl, parsePort } from '../shared/consul/address';
import { consulHttpAddrFromEnv } from '../shared/consul/client';
import { UsageError } from '../shared/errors';
import { type LogFormat, parseLogFormat } from '../shared/logger';
import { registerSecret } from '../shared/secrets';
import { ENROLL_PORT } from './names';
import { parseJwtKey } from './studentJwt';

export const NAME = 'enrollment';

export interface EnrollmentOptions {
  consulUrl: string;
  consulToken?: string;
  port: number;
  bind: string;
  joinInfoJson: string;
  joinCode: string;
  datacenter: string;
  /** The https certificate (then any chain) and its key, PEM. */
  tlsCertPem: string;
  tlsKeyPem: string;
  /** The students' JWT signing key (EC P-256). */
  jwtKey: KeyObject;
  logFormat: LogFormat;
}

/** The JoinInfo versions this service accepts (scripts/lib/classroom/joinInfo.ts): v2 adds the CA, opaque here. */
const JOIN_INFO_VERSIONS = [1, 2];

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

function required(env: NodeJS.ProcessEnv, name: string, what: string): string {
  const v = env[name];
  if (!v) throw new UsageError(`${name} is not set: it must hold ${what}, as lab:up --classroom passes it`);
  return v;
}

/** The certificates in ENROLL_TLS_CERT (the first is the server's) and ENROLL_TLS_KEY, checked to belong together. */
function tlsFromEnv(env: NodeJS.ProcessEnv): { certPem: string; keyPem: string } {
  const certPem = required(env, 'ENROLL_TLS_CERT', "the enrollment service's https certificate (PEM, then any chain)");
  const keyPem = required(env, 'ENROLL_TLS_KEY', "the https certificate's private key (PEM)");
  // Registered before any check can fail: nothing below may quote it, and nothing later may log it.
  registerSecret(keyPem);
  const blocks = certPem.match(PEM_CERT) ?? [];
  if (blocks.length === 0) throw new UsageError('ENROLL_TLS_CERT: not a PEM certificate');
  let leaf: X509Certificate;
  try {
    const certs = blocks.map((b) => new X509Certificate(b));
    leaf = certs[0]!;
  } catch {
    throw new UsageError('ENROLL_TLS_CERT: a certificate in it cannot be read');
  }
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: keyPem, format: 'pem' });
  } catch {
    throw new UsageError('ENROLL_TLS_KEY: not a readable PEM private key');
  }
  // Node serves the first certificate as the server's and the rest as its chain.
  if (!leaf.checkPrivateKey(key))
    throw new UsageError("ENROLL_TLS_KEY: not the private key of ENROLL_TLS_CERT's first certificate (the server's, then its chain)");
  return { certPem, keyPem };
}

function logFormatFromEnv(env: NodeJS.ProcessEnv): LogFormat {
  try {
    return parseLogFormat(env.LOG_FORMAT);
  } catch {
    throw new UsageError('LOG_FORMAT: must be "text" or "json"');
  }
}

/**
 * Everything from the environment (never argv: it holds the gossip key, the code, keys):
 * ENROLL_JOIN_INFO (the JoinInfo JSON lab:up wrote), ENROLL_TLS_CERT / ENROLL_TLS_KEY (PEM), ENROLL_JWT_KEY (PKCS#8
 * PEM, EC P-256), CONSUL_HTTP_ADDR / CONSUL_HTTP_TOKEN, ENROLL_PORT (8099), ENROLL_BIND (0.0.0.0), LOG_FORMAT.
 * A bad value is a UsageError naming the variable, never its value; every secret is registered for redaction.
 */
export function enrollmentOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): EnrollmentOptions {
  const raw = required(env, 'ENROLL_JOIN_INFO', "the classroom's join info (JSON)");
  let info: unknown;
  try {
    info = JSON.parse(raw);
  } catch {
    throw new UsageError('ENROLL_JOIN_INFO: not JSON');
  }
  // The full schema lives with lab:up/lab:join (scripts/lib/classroom/joinInfo.ts); the service needs two fields.
  const obj = (typeof info === 'object' && info !== null ? info : {}) as {
    version?: unknown;
    joinCode?: unknown;
    datacenter?: unknown;
    gossipKey?: unknown;
  };
  if (typeof obj.joinCode === 'string') registerSecret(obj.joinCode);
  if (typeof obj.gossipKey === 'string') registerSecret(obj.gossipKey);
  if (!JOIN_INFO_VERSIONS.includes(obj.version as number))
    throw new UsageError(`ENROLL_JOIN_INFO: version: must be ${JOIN_INFO_VERSIONS.join(' or ')}`);
  if (typeof obj.joinCode !== 'string' || obj.joinCode.length < 6)
    throw new UsageError('ENROLL_JOIN_INFO: joinCode: missing or shorter than 6 characters');
  if (typeof obj.datacenter !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(obj.datacenter))
    throw new UsageError('ENROLL_JOIN_INFO: datacenter: missing or not a datacenter name');

  const tls = tlsFromEnv(env);
  const jwtPem = required(env, 'ENROLL_JWT_KEY', "the students' JWT signing key (PKCS#8 PEM, EC P-256)");
  registerSecret(jwtPem);
  let jwtKey: KeyObject;
  try {
    jwtKey = parseJwtKey(jwtPem);
  } catch (err) {
    throw new UsageError(`ENROLL_JWT_KEY: ${(err as Error).message}`);
  }

  const token = env.CONSUL_HTTP_TOKEN || undefined;
  registerSecret(token);
  return {
    consulUrl: consulUrl(consulHttpAddrFromEnv(env)),
    consulToken: token,
    port: env.ENROLL_PORT ? parsePort(env.ENROLL_PORT, 'ENROLL_PORT') : ENROLL_PORT,
    bind: env.ENROLL_BIND || '0.0.0.0',
    joinInfoJson: raw,
    joinCode: obj.joinCode,
    datacenter: obj.datacenter,
    tlsCertPem: tls.certPem,
    tlsKeyPem: tls.keyPem,
    jwtKey,
    logFormat: logFormatFromEnv(env),
  };
}
