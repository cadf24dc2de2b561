// Where a student's machine is, and where it reaches the instructor: the `<join file | address>` argument of
// `lab:join`, the --name and --advertise values, the LAN address toward the instructor, and the student-side
// ports and names (env overrides exist for tests that run beside another lab on one engine).
import { createSocket } from 'node:dgram';
import { isIP } from 'node:net';
import { parseHostPort } from '../../../services/shared/consul/address';
import { UsageError } from '../../../services/shared/errors';
import { GITHUB_LOGIN } from '../../../services/workshop-api/names';
import { ENROLL_PORT } from '../../../services/enrollment/names';

export type JoinTarget = { kind: 'file'; path: string } | { kind: 'address'; host: string; port: number; enrollUrl: string };

/** At most this much of a user's value is quoted back in a message (a pasted file must not become the line). */
function quote(value: string): string {
  return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
}

/**
 * `lab:join`'s first argument: a join file (an existing path, or anything that looks like one: a "/" or "\",
 * or a `.json` name) or the instructor's address (`192.168.1.20`, `192.168.1.20:8099`, `https://host[:port]`,
 * `[fd00::1]`), whose enrollment service (https only) hands out the join info for the code. Bad input is a UsageError.
 */
export function parseJoinTarget(arg: string, fileExists: (path: string) => boolean): JoinTarget {
  const v = arg.trim();
  if (!v) throw new UsageError('the join file or the instructor address is empty');
  if (fileExists(v)) return { kind: 'file', path: v };
  const url = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(.*)$/.exec(v);
  if (url) {
    if (url[1]!.toLowerCase() !== 'https') {
      throw new UsageError(`instructor address ${quote(v)}: the enrollment service speaks https only (https://<address>[:${ENROLL_PORT}])`);
    }
    return addressTarget(url[2]!.replace(/\/+$/, ''), v);
  }
  if (/[/\\]/.test(v) || /\.json$/i.test(v)) return { kind: 'file', path: v };
  return addressTarget(v, v);
}

function addressTarget(hostPart: string, shown: string): JoinTarget {
  if (hostPart.includes('/')) throw new UsageError(`instructor address ${quote(shown)}: give the address only, without a path`);
  // parseHostPort refuses credentials, bad hosts and ports with one line (and never quotes a user:password).
  const { host, port } = parseHostPort(hostPart, 'instructor address', ENROLL_PORT);
  const enrollUrl = `https://${isIP(host) === 6 ? `[${host}]` : host}:${port}`;
  // A name that DNS rules allow can still be no URL host (`a.0`: a numeric last label is read as a bad IPv4).
  if (!URL.canParse(enrollUrl)) throw new UsageError(`instructor address ${quote(shown)}: not a host name or an IP address`);
  return { kind: 'address', host, port, enrollUrl };
}

/**
 * --name: the student's GitHub account (GitHub's login rule), lower-cased: GitHub logins are case-insensitive,
 * and the name becomes the Consul node `student-<name>`, the service ID `workshop-<name>` and a URL path.
 */
export function parseStudentName(value: string): string {
  if (!GITHUB_LOGIN.test(value)) {
    throw new UsageError(
      `--name ${quote(value)} is not a GitHub account name (1-39 letters, digits and single hyphens, not at either end)`,
    );
  }
  return value.toLowerCase();
}

/**
 * --advertise: the IPv4 address the instructor's machines reach this one at. Loopback, 0.0.0.0, multicast and
 * broadcast addresses cannot be reached from another machine: refused as bad input.
 */
export function parseAdvertiseAddress(value: string): string {
  const v = value.trim();
  if (isIP(v) !== 4) throw new UsageError(`--advertise ${quote(value)}: must be this machine's IPv4 address on the room's network`);
  const first = Number(v.split('.')[0]);
  if (v === '0.0.0.0' || v === '255.255.255.255' || first === 127 || (first >= 224 && first <= 239)) {
    throw new UsageError(`--advertise ${v}: the instructor's machine cannot reach that address; give this machine's LAN address`);
  }
  return v;
}

/**
 * The local address of the route toward `host:port`: a UDP socket's connect() picks the route and the source
 * address without sending a packet (UDP has no handshake). Rejects when there is no route (not on the network).
 */
export function localAddressToward(host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createSocket(isIP(host) === 6 ? 'udp6' : 'udp4');
    const done = (err: Error | undefined, address?: string): void => {
      socket.close();
      if (err) reject(err);
      else resolve(address!);
    };
    socket.on('error', (err) => done(err));
    socket.connect(port, host, () => {
      try {
        done(undefined, socket.address().address);
      } catch (err) {
        done(err as Error);
      }
    });
  });
}

/** The student side's Compose project, ports and names. Env overrides: tests beside another lab on one engine. */
export interface StudentSettings {
  /** Compose project (LAB_STUDENT_PROJECT, default lab-student). */
  project: string;
  /** Serf LAN port, the same inside and outside, published on the student's LAN address (LAB_STUDENT_SERF_PORT, 8301). */
  serfPort: number;
  /** workshop-api's port, the same inside and outside, published on the LAN address (LAB_STUDENT_API_PORT, 8081). */
  apiPort: number;
  /** The student's own agent (UI/API) on 127.0.0.1 (LAB_STUDENT_HTTP_PORT, 8500). */
  httpPort: number;
}

export const DEFAULT_STUDENT_PROJECT = 'lab-student';

function envPort(env: NodeJS.ProcessEnv, key: string, fallback: number): number {
  const raw = env[key];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d{1,5}$/.test(raw) || Number(raw) < 1 || Number(raw) > 65535) {
    throw new UsageError(`${key}: port must be an integer 1-65535, got ${quote(raw)}`);
  }
  return Number(raw);
}

export function studentSettings(env: NodeJS.ProcessEnv = process.env): StudentSettings {
  const project = env.LAB_STUDENT_PROJECT || DEFAULT_STUDENT_PROJECT;
  // Compose's own rule for project names.
  if (!/^[a-z0-9][a-z0-9_-]*$/.test(project)) {
    throw new UsageError(`LAB_STUDENT_PROJECT: ${quote(project)} is not a Compose project name (lowercase letters, digits, "-" and "_")`);
  }
  const settings = {
    project,
    serfPort: envPort(env, 'LAB_STUDENT_SERF_PORT', 8301),
    apiPort: envPort(env, 'LAB_STUDENT_API_PORT', 8081),
    httpPort: envPort(env, 'LAB_STUDENT_HTTP_PORT', 8500),
  };
  if (settings.serfPort === settings.apiPort) throw new UsageError('LAB_STUDENT_SERF_PORT and LAB_STUDENT_API_PORT must differ');
  return settings;
}

/**
 * The instructor-side ports a student's network must let through, from the join info's servers (serf LAN
 * `p`, server RPC `p - 1`, as the instructor's compose overlay numbers them) and the enrollment port.
 */
export function instructorPortsHint(instructor: string, servers: readonly string[], enrollPort = ENROLL_PORT): string {
  const serf = [...new Set(servers.map((s) => Number(s.slice(s.lastIndexOf(':') + 1))).filter((p) => p > 1))];
  if (serf.length === 0) serf.push(8301);
  const rpc = serf.map((p) => p - 1);
  return `TCP ${enrollPort} (enrollment), TCP ${rpc.join(', ')} (Consul RPC) and TCP+UDP ${serf.join(', ')} (Consul gossip) to ${instructor}`;
}
