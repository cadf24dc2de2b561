/*
 * A container's labels → the Consul registration the registrator makes for it, or the reason it makes none. Pure.
 * Labels come from whoever wrote the Compose file or ran `docker run --label`: every one is checked here, at the
 * boundary, and a bad one refuses the container (never throws), naming the label.
 */
import { z } from 'zod';
import { MAX_TIMER_MS, consulDuration, parseDurationMs } from '../shared/duration';
import { errorMessage } from '../shared/errors';
import { firstZodIssue } from '../shared/zodIssue';
import { REGISTERED_BY, REGISTERED_BY_META, REGISTRATOR_CONTAINER_META, REGISTRATOR_LABELS as L, shortContainerId } from './names';

export const SERVICE_NAME = /^[a-z][a-z0-9-]{0,62}$/;
export const SERVICE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
export const META_KEY = /^[a-z][a-z0-9_-]{0,31}$/;
/** Printable: no control, format or line/paragraph separator characters (a Meta value ends up on pages and terminals). */
const PRINTABLE = /^[^\p{Cc}\p{Cf}\p{Zl}\p{Zp}]*$/u;
export const MAX_META_VALUE = 256;
export const MAX_META = 16;
/** Consul's minimum interval is 1 s; past 10 min a dead workload would stay "passing" too long to teach anything. */
export const CHECK_INTERVAL_RANGE = { minMs: 1000, maxMs: 10 * 60_000 };
/** A check on loopback answers in milliseconds; a timeout above a minute only hides a wedged workload. */
export const CHECK_TIMEOUT_RANGE = { minMs: 100, maxMs: 60_000 };
export const DEFAULT_CHECK_MS = 1000;
/**
 * Consul reaps a service whose check has been critical this long: should a container die while the registrator
 * itself is gone, its registration still goes within a minute (Consul's minimum).
 */
export const DEREGISTER_CRITICAL_AFTER = '1m';

/** What the `consul` client's agent.service.register takes (its lower-case option names); no address: the node's. */
export interface ServiceRegistration {
  name: string;
  id: string;
  port: number;
  meta: Record<string, string>;
  check: {
    name: string;
    http?: string;
    tcp?: string;
    interval: string;
    timeout: string;
    deregistercriticalserviceafter: string;
  };
}

export type LabelResult = { ok: true; registration: ServiceRegistration } | { ok: false; reason: string };

/** A Consul duration label within `range`, as Consul writes it (`1s`, `1500ms`); the message names the label. */
const duration = (label: string, range: { minMs: number; maxMs: number }) =>
  z
    .string()
    .optional()
    .transform((v, ctx): number => {
      if (v === undefined) return DEFAULT_CHECK_MS;
      try {
        return parseDurationMs(v, label, { ...range, maxMs: Math.min(range.maxMs, MAX_TIMER_MS) });
      } catch (err) {
        // parseDurationMs's message names the label and quotes the value (JSON-escaped, cut short).
        ctx.addIssue({ code: 'custom', message: errorMessage(err).replace(`${label}: `, '') });
        return z.NEVER;
      }
    });

/** The path of an HTTP check: from "/", no "..", no whitespace (nor anything else a URL would have to escape). */
const checkPath = z
  .string()
  .max(200, 'at most 200 characters')
  .regex(/^\//, 'must start with "/"')
  .refine((p) => !p.includes('..'), 'must not contain ".."')
  .refine((p) => /^[\x21-\x7e]*$/.test(p), 'printable ASCII only, no whitespace');

/** The labels the registrator reads, by their label names, so an issue's path is the label that is wrong. */
const labelsSchema = z
  .object({
    [L.name]: z.string({ error: 'required' }).regex(SERVICE_NAME, `must match ${SERVICE_NAME.source}`),
    [L.id]: z.string().regex(SERVICE_ID, `must match ${SERVICE_ID.source}`).optional(),
    [L.port]: z
      .string({ error: 'required' })
      .regex(/^[0-9]{1,5}$/, 'must be a port number, 1 to 65535')
      .transform(Number)
      .refine((p) => p >= 1 && p <= 65535, 'must be a port number, 1 to 65535'),
    [L.checkHttp]: checkPath.optional(),
    [L.checkTcp]: z.literal('true', { error: 'must be "true" (or leave it out)' }).optional(),
    [L.checkInterval]: duration(L.checkInterval, CHECK_INTERVAL_RANGE),
    [L.checkTimeout]: duration(L.checkTimeout, CHECK_TIMEOUT_RANGE),
  })
  .superRefine((v, ctx) => {
    const http = v[L.checkHttp] !== undefined;
    const tcp = v[L.checkTcp] !== undefined;
    // A registration without a check would stay "passing" after its container died: the lesson is the opposite.
    if (http === tcp) {
      ctx.addIssue({ code: 'custom', path: [L.checkHttp], message: `exactly one of ${L.checkHttp} or ${L.checkTcp}=true is required` });
    }
  });

const RESERVED_META = new Set<string>([REGISTERED_BY_META, REGISTRATOR_CONTAINER_META]);

/** `lab.service.meta.<key>` labels → Meta, or the reason (naming the label) they are refused. */
function metaOf(labels: Record<string, string>): { ok: true; meta: Record<string, string> } | { ok: false; reason: string } {
  const meta: Record<string, string> = {};
  let count = 0;
  for (const [label, value] of Object.entries(labels)) {
    if (!label.startsWith(L.metaPrefix)) continue;
    const key = label.slice(L.metaPrefix.length);
    if (!META_KEY.test(key)) return { ok: false, reason: `${JSON.stringify(label)}: the key must match ${META_KEY.source}` };
    if (RESERVED_META.has(key)) return { ok: false, reason: `${label}: "${key}" is the registrator's own Meta key` };
    if (value.length > MAX_META_VALUE) return { ok: false, reason: `${label}: at most ${MAX_META_VALUE} characters` };
    if (!PRINTABLE.test(value)) return { ok: false, reason: `${label}: printable characters only (no control characters)` };
    if (++count > MAX_META) return { ok: false, reason: `at most ${MAX_META} ${L.metaPrefix}* labels` };
    meta[key] = value;
  }
  return { ok: true, meta };
}

/** The labels of ours, `lab.service.*`, that this version does not know (a typo must not pass silently). */
function unknownLabel(labels: Record<string, string>): string | undefined {
  const known = new Set<string>(Object.values(L));
  return Object.keys(labels).find((k) => k.startsWith('lab.service.') && !k.startsWith(L.metaPrefix) && !known.has(k));
}

/**
 * The registration for a container from its labels, ID and name (Docker's, with or without the leading "/").
 * Checks go to 127.0.0.1: the workload shares the host's network namespace, the agent's too.
 */
export function registrationFromLabels(labels: Record<string, string>, containerId: string, containerName: string): LabelResult {
  const unknown = unknownLabel(labels);
  if (unknown !== undefined) return { ok: false, reason: `${JSON.stringify(unknown)}: unknown label` };
  const parsed = labelsSchema.safeParse(labels);
  if (!parsed.success) return { ok: false, reason: firstZodIssue(parsed.error) };
  const v = parsed.data;
  const meta = metaOf(labels);
  if (!meta.ok) return meta;

  const name = v[L.name];
  const id = v[L.id] ?? `${name}-${containerName.replace(/^\//, '')}`;
  // The default is built from the container's name, which may not fit Consul's ID rule: say so, naming the label to set.
  if (!SERVICE_ID.test(id)) {
    return { ok: false, reason: `${L.id}: the default ${JSON.stringify(id.slice(0, 120))} does not match ${SERVICE_ID.source}: set it` };
  }
  const port = v[L.port];
  const check: ServiceRegistration['check'] = {
    name: `${id} (registrator)`,
    interval: consulDuration(v[L.checkInterval]),
    timeout: consulDuration(v[L.checkTimeout]),
    deregistercriticalserviceafter: DEREGISTER_CRITICAL_AFTER,
  };
  const path = v[L.checkHttp];
  if (path !== undefined) check.http = `http://127.0.0.1:${port}${path}`;
  else check.tcp = `127.0.0.1:${port}`;
  return {
    ok: true,
    registration: {
      name,
      id,
      port,
      meta: {
        ...meta.meta,
        [REGISTERED_BY_META]: REGISTERED_BY.registrator,
        [REGISTRATOR_CONTAINER_META]: shortContainerId(containerId),
      },
      check,
    },
  };
}
