/*
 * inventory-client's names as other code may rely on them (lab:check reads its `--json` lines from `docker logs`,
 * the lab view reads GET /results): the default addresses and ports, the error lines a request can end with, and
 * the zod schemas of both shapes, so every reader parses exactly what the client writes. Pure: zod and constants,
 * no side effects; importing this never loads the service.
 */
import { z } from 'zod';

export const INVENTORY_CLIENT_NAME = 'inventory-client';
/** The Consul service inventory-client's sidecar reaches (README exercise 7). */
export const INVENTORY_DB_SERVICE = 'inventory-db';
/** Where host-a's sidecar listens for the inventory-db upstream: plain TCP on loopback, mTLS from there on. */
export const DEFAULT_UPSTREAM_PORT = 16380;
export const DEFAULT_TARGET = `127.0.0.1:${DEFAULT_UPSTREAM_PORT}`;
/** The port of a Connect sidecar's public listener (host-b's: 10.213.50.22:21000), the TLS probe's usual target. */
export const DEFAULT_SIDECAR_PUBLIC_PORT = 21000;
/** GET /results and GET /health, on 127.0.0.1 only. */
export const DEFAULT_STATUS_PORT = 8092;
/** How many request records GET /results returns (oldest first). */
export const RESULTS_KEPT = 200;

/**
 * The error line of a failed request, one of these or `unexpected reply "<first 40 characters>"`, or, for what
 * none of them names (a route missing, a port unreachable), a short line with the system's code.
 * `closed`: the upstream accepted and then closed (or reset) without a reply, which is what Consul's built-in proxy
 * does when an intention denies, or when the destination cannot be reached.
 */
export const REQUEST_ERRORS = {
  refused: 'connection refused',
  closed: 'closed without a reply',
  timeout: 'timed out',
} as const;
export const UNEXPECTED_REPLY_PREFIX = 'unexpected reply ';

/** One request: `PING` to the target, `PONG` expected. `ms`: connect to reply (or failure), in milliseconds. */
export const requestRecordSchema = z.object({
  kind: z.literal('request'),
  at: z.string(),
  ok: z.boolean(),
  ms: z.number().nonnegative(),
  /** The reply's first line (terminal-safe, at most 40 characters), when one came. */
  reply: z.string().optional(),
  /** One short line, when ok is false. */
  error: z.string().optional(),
});
export type RequestRecord = z.infer<typeof requestRecordSchema>;

/**
 * One TLS probe of a Connect sidecar's public listener, without a client certificate: what certificate it presented
 * (ok = one was), whether it then refused us (mutual TLS), and whether a plain-text `PING` got `PONG` (it must not).
 */
export const tlsRecordSchema = z.object({
  kind: z.literal('tls'),
  at: z.string(),
  /** `ip:port` probed. */
  target: z.string(),
  ok: z.boolean(),
  /** The certificate's URI SAN (`spiffe://<trust-domain>/ns/default/dc/dc1/svc/inventory-db`); null if none. */
  uri: z.string().nullable(),
  /** The issuer's CN (Connect's CA); null without a certificate. */
  issuer: z.string().nullable(),
  /** Hex, as Node reports it; null without a certificate. */
  serial: z.string().nullable(),
  /** ISO 8601; null without a certificate. */
  validTo: z.string().nullable(),
  /** The server refused us after the handshake (an alert or a reset): it wants a client certificate. */
  refused: z.boolean(),
  /** What the refusal said (the alert's text, `reset`, `closed`); null when not refused. */
  refusal: z.string().nullable(),
  /** A plain `PING` to the same address got `PONG` (it must not: the listener speaks TLS only). */
  plainAnswered: z.boolean(),
  /** What the plain `PING` got, in the request error vocabulary (`closed without a reply`, …) or `PONG`. */
  plainOutcome: z.string(),
  /** Why no certificate was read (refused, timed out, not TLS), when ok is false. */
  error: z.string().optional(),
});
export type TlsRecord = z.infer<typeof tlsRecordSchema>;

/** A `--json` line: exactly one of these objects. */
export const jsonLineSchema = z.discriminatedUnion('kind', [requestRecordSchema, tlsRecordSchema]);
export type JsonLine = z.infer<typeof jsonLineSchema>;

/** GET /results: the last RESULTS_KEPT requests, oldest first, and the last TLS probe (null: none yet, or off). */
export const resultsSchema = z.object({
  results: z.array(requestRecordSchema).max(RESULTS_KEPT),
  tls: tlsRecordSchema.nullable(),
});
export type Results = z.infer<typeof resultsSchema>;
