// join.json: everything a student's machine needs to join the instructor's cluster. Written by
// `lab:up --classroom` (0600, in the classroom dir), served by the enrollment service (POST /v1/join-info, the code in the body
// only) and read by `lab:join`; one schema for all three, so a field renamed on one side fails loudly.
// It holds the gossip key and the join code (never a Consul token: the code is exchanged for the student's own), and
// (version 2, issue 18) the classroom CA's certificate: the students' agents verify the servers with it, and lab:join
// checks it against the pin the instructor projects.
import { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import { z } from 'zod';
import { firstZodIssue } from '../../../services/shared/zodIssue';

export const JOIN_INFO_VERSION = 2;

/** `192.168.1.20:8301`: an IPv4 address (what Consul advertises here) and a port. */
const hostPort = z
  .string()
  .regex(/^\d{1,3}(\.\d{1,3}){3}:\d{1,5}$/, 'must be <IPv4>:<port>')
  .refine((v) => {
    const [ip, port] = v.split(':');
    const n = Number(port);
    return isIP(ip ?? '') === 4 && n >= 1 && n <= 65535;
  }, 'must be <IPv4>:<port> with a port 1-65535');

const urlOf = (protocol: 'http:' | 'https:') =>
  z
    .string()
    .max(200)
    .refine((v) => {
      try {
        return new URL(v).protocol === protocol;
      } catch {
        return false;
      }
    }, `must be an ${protocol}// URL`);
const httpUrl = urlOf('http:');

/** One PEM certificate that parses as X.509 and is a CA. */
const caCertificate = z
  .string()
  .max(8192)
  .refine((v) => {
    try {
      return /^-----BEGIN CERTIFICATE-----\n[A-Za-z0-9+/=\n]+-----END CERTIFICATE-----\n?$/.test(v) && new X509Certificate(v).ca;
    } catch {
      return false;
    }
  }, 'must be one PEM CA certificate');

export const JoinInfoSchema = z
  .object({
    version: z.literal(JOIN_INFO_VERSION),
    datacenter: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be a Consul datacenter name'),
    instructor: z.string().refine((v) => isIP(v) === 4, 'must be an IPv4 address'),
    servers: z.array(hostPort).min(1).max(16),
    // base64 of 32 bytes: 44 characters ending in "=".
    gossipKey: z.string().regex(/^[A-Za-z0-9+/]{43}=$/, 'must be base64 of 32 bytes'),
    joinCode: z.string().regex(/^[a-z0-9-]{6,64}$/, 'must be 6-64 of a-z, 0-9, -'),
    ca: caCertificate,
    enrollUrl: urlOf('https:'),
    consulUi: httpUrl,
    page: httpUrl,
  })
  .strict();

export type JoinInfo = z.infer<typeof JoinInfoSchema>;

export function serializeJoinInfo(info: JoinInfo): string {
  return JSON.stringify(JoinInfoSchema.parse(info), null, 2) + '\n';
}

/**
 * Parse join.json text (or the enrollment service's answer). Junk gives ONE line naming the first bad field,
 * never the value (it may be the gossip key): `join.json: gossipKey: must be base64 of 32 bytes`.
 */
export function parseJoinInfo(text: string, what = 'join.json'): JoinInfo {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new Error(`${what}: not JSON`);
  }
  const r = JoinInfoSchema.safeParse(raw);
  if (r.success) return r.data;
  const version = (raw as { version?: unknown } | null)?.version;
  if (typeof version === 'number' && version !== JOIN_INFO_VERSION) {
    throw new Error(
      `${what}: version ${version}, this lab reads version ${JOIN_INFO_VERSION} (the room's TLS): instructor and students must run the same lab version (git pull)`,
    );
  }
  throw new Error(`${what}: ${firstZodIssue(r.error)}`);
}

/** The JoinInfo of an instructor at `lan` with the lab's ports (design doc's table) and the classroom CA. */
export function joinInfoFor(lan: string, secrets: { gossipKey: string; joinCode: string }, nginxPort: number, caPem: string): JoinInfo {
  return {
    version: JOIN_INFO_VERSION,
    datacenter: 'dc1',
    instructor: lan,
    servers: [8301, 8311, 8321].map((p) => `${lan}:${p}`),
    gossipKey: secrets.gossipKey,
    joinCode: secrets.joinCode,
    ca: caPem,
    enrollUrl: `https://${lan}:8099`,
    consulUi: `http://${lan}:8500/ui/`,
    page: `http://${lan}:${nginxPort}/`,
  };
}
