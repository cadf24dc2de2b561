// The room's address rules for the instructor's Nginx (issue 18): a student's instance is rendered only at an
// address inside the room's LAN subnet and not at an excluded one (this laptop, the gateway, the network and
// broadcast addresses). A student's token can rewrite its own node's address to anything, so without this rule
// Nginx would proxy the room's requests to any address the instructor's machine reaches (SSRF).
// The templates get the rules as two anchored regular expressions (LAB_ROOM_ADDRESSES, LAB_ROOM_EXCLUDED; see
// nginx/README.md). consul-template evaluates them with Go's regexp (RE2): only syntax on which RE2 and JavaScript
// agree is used (anchors, non-capturing groups, alternation, character classes, `?`), no lookarounds or backrefs.
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { UsageError } from '../../../services/shared/errors';

/** The widest and narrowest room subnet accepted: wider is not a room; /31 and /32 have no room for students. */
export const MIN_ROOM_PREFIX = 8;
export const MAX_ROOM_PREFIX = 30;

export interface Cidr {
  /** The network address as an unsigned 32-bit number (host bits cleared). */
  network: number;
  prefix: number;
  /** The broadcast (last) address as an unsigned 32-bit number. */
  broadcast: number;
}

/** At most this much of a value is quoted back in a message (a pasted file must not become the line). */
function quote(value: string): string {
  return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
}

const OCTET_TEXT = /^(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])$/;

/** An IPv4 literal as written by Consul and the templates' filter (no leading zeros) → uint32, else undefined. */
export function parseIpv4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((p) => OCTET_TEXT.test(p))) return undefined;
  return parts.reduce((n, p) => n * 256 + Number(p), 0);
}

export function formatIpv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** `a.b.c.d/p` (host bits may be set, as Node's interface `cidr` has them) → the network; one-line UsageError otherwise. */
export function parseCidr(text: string): Cidr {
  const m = /^([0-9.]+)\/(3[0-2]|[12]?[0-9])$/.exec(text);
  const address = m ? parseIpv4(m[1]!) : undefined;
  if (!m || address === undefined) throw new UsageError(`room subnet ${quote(text)} is not an IPv4 CIDR such as 192.168.1.0/24`);
  const prefix = Number(m[2]);
  const size = 2 ** (32 - prefix);
  const network = address - (address % size);
  return { network, prefix, broadcast: network + size - 1 };
}

export function formatCidr(c: Cidr): string {
  return `${formatIpv4(c.network)}/${c.prefix}`;
}

type Interfaces = ReturnType<typeof os.networkInterfaces>;

/**
 * The subnet (`192.168.1.0/24`) of the interface that holds IPv4 `address`, from Node's interface list; undefined
 * when no interface has it (e.g. an address only bindable, or none given by Node's `cidr`).
 */
export function lanCidrOf(address: string, interfaces: Interfaces = os.networkInterfaces()): string | undefined {
  for (const list of Object.values(interfaces)) {
    for (const i of list ?? []) {
      // `family` was the number 4 in Node 18.0-18.3.
      const v4 = i.family === 'IPv4' || (i.family as unknown) === 4;
      if (v4 && i.address === address && i.cidr) return formatCidr(parseCidr(i.cidr));
    }
  }
  return undefined;
}

/** /proc/net/route's text, or undefined where there is none (not Linux). */
function readProcRoutes(): string | undefined {
  try {
    return readFileSync('/proc/net/route', 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * This machine's IPv4 default gateway: Linux's /proc/net/route (the default route with the gateway flag and the
 * lowest metric; addresses are hex in host byte order, i.e. little-endian on every platform the lab runs on).
 * Undefined elsewhere (macOS, Windows) or without a default route. `readRoutes` is for tests.
 */
export function defaultGateway(readRoutes: () => string | undefined = readProcRoutes): string | undefined {
  const text = readRoutes();
  if (text === undefined) return undefined;
  const RTF_UP = 0x1;
  const RTF_GATEWAY = 0x2;
  let best: { gateway: string; metric: number } | undefined;
  for (const line of text.split('\n').slice(1)) {
    // Iface Destination Gateway Flags RefCnt Use Metric Mask MTU Window IRTT
    const f = line.trim().split(/\s+/);
    if (f.length < 8) continue;
    const [, destination, gatewayHex, flagsHex, , , metricText, mask] = f;
    const flags = parseInt(flagsHex!, 16);
    if (destination !== '00000000' || mask !== '00000000' || !/^[0-9A-Fa-f]{8}$/.test(gatewayHex!)) continue;
    if ((flags & RTF_UP) === 0 || (flags & RTF_GATEWAY) === 0) continue;
    // Little-endian: the last hex pair is the first octet ("0101A8C0" = 192.168.1.1).
    const gateway = [6, 4, 2, 0].map((at) => parseInt(gatewayHex!.slice(at, at + 2), 16)).join('.');
    const metric = Number(metricText);
    if (gateway !== '0.0.0.0' && (best === undefined || metric < best.metric)) best = { gateway, metric };
  }
  return best?.gateway;
}

/** One octet value 0-255, written without leading zeros. */
const ANY_OCTET = '(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])';

/** A regex for the digit strings of one fixed width whose values lie in [lo, hi] (inner digits may be 0). */
function fixedWidthRange(lo: string, hi: string): string {
  if (lo.length === 1) return lo === hi ? lo : `[${lo}-${hi}]`;
  if (lo[0] === hi[0]) return lo[0]! + fixedWidthRange(lo.slice(1), hi.slice(1));
  const rest = lo.length - 1;
  const parts: string[] = [];
  const loDigit = Number(lo[0]);
  const hiDigit = Number(hi[0]);
  // [lo, lo's first digit followed by 9s], whole middle digits, [hi's first digit followed by 0s, hi].
  const loFull = lo.slice(1) === '0'.repeat(rest);
  const hiFull = hi.slice(1) === '9'.repeat(rest);
  const midLo = loFull ? loDigit : loDigit + 1;
  const midHi = hiFull ? hiDigit : hiDigit - 1;
  if (!loFull) parts.push(lo[0]! + fixedWidthRange(lo.slice(1), '9'.repeat(rest)));
  if (midLo <= midHi) parts.push(`${midLo === midHi ? String(midLo) : `[${midLo}-${midHi}]`}[0-9]${rest > 1 ? `{${rest}}` : ''}`);
  if (!hiFull) parts.push(hi[0]! + fixedWidthRange('0'.repeat(rest), hi.slice(1)));
  return parts.length === 1 ? parts[0]! : `(?:${parts.join('|')})`;
}

/** A regex for the decimal numbers in [lo, hi] (0 ≤ lo ≤ hi ≤ 255), written without leading zeros. */
export function decimalRange(lo: number, hi: number): string {
  if (lo === 0 && hi === 255) return ANY_OCTET;
  const parts: string[] = [];
  // Split by number of digits (1: 0-9, 2: 10-99, 3: 100-255); each width is a fixed-width range.
  for (const [wLo, wHi] of [
    [0, 9],
    [10, 99],
    [100, 255],
  ] as const) {
    const a = Math.max(lo, wLo);
    const b = Math.min(hi, wHi);
    if (a <= b) parts.push(fixedWidthRange(String(a), String(b)));
  }
  return parts.length === 1 ? parts[0]! : `(?:${parts.join('|')})`;
}

const escapeDots = (ip: string): string => ip.replace(/\./g, '\\.');

export interface RoomAddressPatterns {
  /** Anchored: exactly the IPv4 addresses inside the subnet (network and broadcast included: see `excluded`). */
  allowed: string;
  /** Anchored: exactly the given addresses plus the subnet's network and broadcast addresses. */
  excluded: string;
}

/**
 * The room's rules as anchored regular expressions for LAB_ROOM_ADDRESSES / LAB_ROOM_EXCLUDED. `exclude`: the
 * addresses a student must never point the page at although they are in the room (this laptop's LAN address,
 * the gateway); the network and broadcast addresses are added. One-line UsageError for a CIDR outside /8-/30 or
 * an excluded value that is not an IPv4 literal.
 */
export function roomAddressPatterns(opts: { cidr: string; exclude: string[] }): RoomAddressPatterns {
  const c = parseCidr(opts.cidr);
  if (c.prefix < MIN_ROOM_PREFIX)
    throw new UsageError(`room subnet ${opts.cidr} is wider than /${MIN_ROOM_PREFIX}: that is not one room's LAN, give the room's subnet`);
  if (c.prefix > MAX_ROOM_PREFIX)
    throw new UsageError(`room subnet ${opts.cidr} is narrower than /${MAX_ROOM_PREFIX}: no address left for a student's laptop`);
  const excluded = new Set<number>([c.network, c.broadcast]);
  for (const e of opts.exclude) {
    const n = parseIpv4(e);
    if (n === undefined) throw new UsageError(`excluded room address ${quote(e)} is not an IPv4 address`);
    excluded.add(n);
  }
  const octets: string[] = [];
  for (let i = 0; i < 4; i++) {
    const shift = 24 - 8 * i;
    const lo = (c.network >>> shift) & 255;
    const hi = (c.broadcast >>> shift) & 255;
    octets.push(lo === hi ? String(lo) : decimalRange(lo, hi));
  }
  const list = [...excluded].sort((a, b) => a - b).map((n) => escapeDots(formatIpv4(n)));
  return { allowed: `^${octets.join('\\.')}$`, excluded: `^(?:${list.join('|')})$` };
}
