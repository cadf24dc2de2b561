/*
 * zod schemas for every Consul answer the lab reads. Consul's answers are data from whoever could register, join or
 * configure there: nothing is trusted. Two kinds:
 * - the read views (members, health entries, checks, catalog nodes, raft, leader, agent self, keyring): the lists
 *   must be lists (else the answer is refused), every field the lab uses has its type or a harmless default (a text
 *   that is not one reads "", a port that is not a number 0), so one odd entry never hides the rest. Extra fields
 *   (Consul adds some in every release) are dropped.
 * - the ACL objects the lab writes and compares (tokens, policies, auth methods, binding rules, login): each field
 *   the lab uses must have its type, or the answer is refused.
 */
import { z } from 'zod';
import { isHost } from './address';

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Text as the lab shows it: a string as is; anything else (absent, a number, an object) reads "". */
export const text = z
  .unknown()
  .optional()
  .transform((v): string => (typeof v === 'string' ? v : ''));

/** `schema`'s reading of `v`, or [] when `v` is not such a list (callers that show what they can, not refuse). */
export function listOrEmpty<T>(schema: z.ZodType<T[]>, v: unknown): T[] {
  const parsed = schema.safeParse(v);
  return parsed.success ? parsed.data : [];
}

/** An object of `shape`; anything that is not an object reads as {} (so each field's default). */
function lenientObject<T extends z.ZodRawShape>(shape: T) {
  return z.preprocess((v) => (isRecord(v) ? v : {}), z.object(shape));
}

/** A list whose entries are `item`; not a list reads as []. */
function lenientList<T extends z.ZodType>(item: T) {
  return z.preprocess((v) => (Array.isArray(v) ? v : []), z.array(item));
}

/**
 * String → string map (Meta, Tags): non-objects read as {}; a value that is not a string is left out. Built with
 * Object.fromEntries, not z.record: a key "__proto__" (JSON.parse makes it an own key) stays a key, never a prototype.
 */
const textMap = z
  .unknown()
  .optional()
  .transform((v): Record<string, string> =>
    isRecord(v) ? (Object.fromEntries(Object.entries(v).filter(([, x]) => typeof x === 'string')) as Record<string, string>) : {},
  );

/** An object's own keys and values as they are (the keyring's keys), {} for anything else; "__proto__" as for textMap. */
const anyMap = z
  .unknown()
  .optional()
  .transform((v): Record<string, unknown> => (isRecord(v) ? Object.fromEntries(Object.entries(v)) : {}));

/** A finite number, else 0 (a port). */
const finiteOrZero = z
  .unknown()
  .optional()
  .transform((v): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0));

/** Serf's member status codes, as /v1/agent/members reports them. */
export const SERF_STATUS = ['none', 'alive', 'leaving', 'left', 'failed'] as const;
export type SerfStatus = (typeof SERF_STATUS)[number];

/** Serf's word for a member status code ("none" for any other). */
export function serfStatus(code: number): SerfStatus {
  return SERF_STATUS[code] ?? 'none';
}

/** One entry of GET /v1/agent/members. Status: Serf's code (0 when not a number; serfStatus says the word). */
export const memberSchema = lenientObject({
  Name: text,
  Addr: text,
  Status: finiteOrZero,
  /** `role` = "consul" for a server; `port` its RPC port. */
  Tags: textMap,
});
export const membersSchema = z.array(memberSchema);
export type ConsulMember = z.output<typeof memberSchema>;

/** One health check (GET /v1/health/state/*, /v1/health/node/*, a health entry's Checks). ServiceID "" = the node's. */
export const checkSchema = lenientObject({ Node: text, CheckID: text, Name: text, Status: text, ServiceID: text, ServiceName: text });
export const checksSchema = z.array(checkSchema);
export type ConsulCheck = z.output<typeof checkSchema>;

const healthNodeShape = { Node: text, Address: text };
const healthServiceShape = { ID: text, Service: text, Address: text, Port: finiteOrZero, Tags: lenientList(text), Meta: textMap };

/** A health entry whose node and service have these fields (the checks always checkSchema's). */
function healthEntryOf<N extends z.ZodRawShape, S extends z.ZodRawShape>(node: N, service: S) {
  return lenientObject({ Node: lenientObject(node), Service: lenientObject(service), Checks: lenientList(checkSchema) });
}

/**
 * One entry of GET /v1/health/service/<name>: the instance, its node, all of its checks (the node's too). An empty
 * Service.Address means "the node's address", as Consul's own DNS interface treats it.
 */
export const healthEntrySchema = healthEntryOf(healthNodeShape, healthServiceShape);
export const healthEntriesSchema = z.array(healthEntrySchema);
export type ConsulHealthEntry = z.output<typeof healthEntrySchema>;

/** A port a connection can be made to: an integer 1-65535; anything else undefined (never a port 0 to dial). */
export const connectablePort = z
  .unknown()
  .optional()
  .transform((v): number | undefined => (typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 65535 ? v : undefined));

/**
 * A host a connection can be made to (an IP address or a DNS name, address.ts's isHost); absent or "" reads ""
 * ("none given": a service then has its node's); anything else undefined, so a reader skips the entry rather than
 * dial, or print on a terminal, what whoever registered it wrote, and never falls back to the node's address.
 */
export const connectableHost = z
  .unknown()
  .optional()
  .transform((v): string | undefined => (v === undefined || v === '' ? '' : typeof v === 'string' && isHost(v) ? v : undefined));

/**
 * A health entry as a reader that CONNECTS to the instance reads it (consul-demo's client): the node's and the
 * service's Address are connectableHost, the Port connectablePort; undefined = unusable, skip the entry.
 */
export const reachableHealthEntrySchema = healthEntryOf(
  { ...healthNodeShape, Address: connectableHost },
  { ...healthServiceShape, Address: connectableHost, Port: connectablePort },
);
export const reachableHealthEntriesSchema = z.array(reachableHealthEntrySchema);
export type ConsulReachableHealthEntry = z.output<typeof reachableHealthEntrySchema>;

/** GET /v1/catalog/nodes. */
export const catalogNodesSchema = z.array(lenientObject({ Node: text, Address: text }));

/** GET /v1/catalog/service/<name>: one entry per instance. */
export const catalogServiceSchema = z.array(lenientObject({ ServiceID: text, ServiceName: text, Node: text }));

/** GET /v1/catalog/services: service name → tags. */
export const catalogServicesSchema = z
  .custom<Record<string, unknown>>(isRecord, 'expected an object')
  .transform((v) => Object.fromEntries(Object.entries(v)));

/** GET /v1/catalog/node/<node>: null when Consul does not have it. */
export const catalogNodeSchema = z.unknown();

/** GET /v1/status/leader: "ip:port", "" without a leader (anything else counts as none). */
export const leaderSchema = z
  .unknown()
  .optional()
  .transform((v): string => (typeof v === 'string' ? v : ''));

/** GET /v1/operator/raft/configuration: the servers raft knows; the list must be one. */
export const raftConfigurationSchema = z.preprocess(
  (v) => (isRecord(v) ? v : {}),
  z.object({
    Servers: z.array(
      lenientObject({
        ID: text,
        Node: text,
        Address: text,
        Voter: z
          .unknown()
          .optional()
          .transform((v) => v === true),
      }),
    ),
  }),
);

/**
 * An object of `entry`s by key (the agent's services and checks, by ID); not an object is refused. Built with
 * Object.fromEntries ("__proto__" stays a key, as for textMap). `entry` must be one that never fails (lenient).
 */
function lenientEntries<T extends z.ZodType>(entry: T) {
  return z
    .custom<Record<string, unknown>>(isRecord, 'expected an object')
    .transform((v): Record<string, z.output<T>> => Object.fromEntries(Object.entries(v).map(([k, x]) => [k, entry.parse(x)])));
}

/**
 * GET /v1/agent/services: the local agent's own registrations, by service ID. Port: a number, else undefined (an
 * entry that does not say where it is: the agent's list always does, so such an entry is never taken for another
 * instance's).
 */
export const agentServicesSchema = lenientEntries(
  lenientObject({
    ID: text,
    Service: text,
    Address: text,
    /** Who registered it (names.ts REGISTERED_BY_META) and what else its owner says about it. */
    Meta: textMap,
    Port: z
      .unknown()
      .optional()
      .transform((v): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined)),
  }),
);
export type ConsulAgentService = z.output<typeof agentServicesSchema>[string];

/**
 * The registrator's record of the last container death it handled (KV names.ts registratorLastDieKey): written by
 * services/registrator, read by the exercise checks and the lab view. Strict: a record of another shape is no record.
 */
export const registratorLastDieSchema = z.object({
  serviceId: z.string(),
  /** The first 12 hex of the container's ID. */
  container: z.string(),
  /** The container's exit code, null when the event did not say. */
  exitCode: z.number().int().nullable(),
  /** When Docker saw the container die (ISO 8601). */
  eventAt: z.string(),
  /** When the agent answered the deregistration (ISO 8601). */
  deregisteredAt: z.string(),
  /** deregisteredAt - eventAt, in milliseconds. */
  ms: z.number(),
});
export type RegistratorLastDie = z.output<typeof registratorLastDieSchema>;

/** GET /v1/agent/checks: the local agent's own checks, by check ID. */
export const agentChecksSchema = lenientEntries(checkSchema);

/** GET /v1/agent/self: the version it runs ("" when the answer does not say). */
export const agentSelfSchema = lenientObject({ Config: lenientObject({ Version: text }) });

/** GET /v1/operator/keyring: one pool per (WAN, segment); the keys themselves are only ever compared. */
export const keyringSchema = z.array(
  lenientObject({
    WAN: z
      .unknown()
      .optional()
      .transform((v) => v === true),
    Keys: anyMap,
    /** Absent before Consul 1.10: then every key counts. */
    PrimaryKeys: z
      .unknown()
      .optional()
      .transform((v) => (isRecord(v) ? Object.fromEntries(Object.entries(v)) : undefined)),
  }),
);
export type ConsulKeyringPool = z.output<typeof keyringSchema>[number];

// ---- ACL objects: typed strictly (the lab compares and writes them back) -----------------------------------

const link = z.object({ ID: z.string().optional(), Name: z.string() });

/** An ACL token as GET /v1/acl/token/<id>, /v1/acl/token/self, the token list or a login answer has it. */
export const aclTokenSchema = z.object({
  AccessorID: z.string(),
  /** Hidden ("<hidden>" or absent) in a list read without acl:write. */
  SecretID: z.string().optional(),
  Description: z.string().optional(),
  Local: z.boolean().optional(),
  /** RFC 3339; absent when it never expires. */
  ExpirationTime: z.string().optional(),
  AuthMethod: z.string().optional(),
  Policies: z.array(link).nullish(),
  Roles: z.array(z.unknown()).nullish(),
  TemplatedPolicies: z.array(z.unknown()).nullish(),
  ServiceIdentities: z.array(z.object({ ServiceName: z.string(), Datacenters: z.array(z.string()).nullish() })).nullish(),
  NodeIdentities: z.array(z.object({ NodeName: z.string(), Datacenter: z.string() })).nullish(),
});
export type ConsulAclToken = z.output<typeof aclTokenSchema>;
export const aclTokensSchema = z.array(aclTokenSchema);

/** A token list entry as the roster reads it (whose it is comes from studentOfToken on the raw entry). */
export const tokenListEntrySchema = lenientObject({ AccessorID: text, ExpirationTime: text });

/** A login's answer: a token with its secret. */
export const aclLoginSchema = aclTokenSchema.extend({ SecretID: z.string().min(1) });

export const aclPolicySchema = z.object({
  ID: z.string(),
  Name: z.string(),
  Rules: z.string().optional(),
  Description: z.string().optional(),
});
export type ConsulAclPolicy = z.output<typeof aclPolicySchema>;
export const aclPoliciesSchema = z.array(aclPolicySchema);

export const aclAuthMethodSchema = z.object({
  Name: z.string(),
  Type: z.string(),
  DisplayName: z.string().optional(),
  Description: z.string().optional(),
  MaxTokenTTL: z.string().optional(),
  TokenLocality: z.string().optional(),
  Config: z.record(z.string(), z.unknown()).nullish(),
});
export type ConsulAclAuthMethod = z.output<typeof aclAuthMethodSchema>;

export const aclBindingRuleSchema = z.object({
  ID: z.string(),
  AuthMethod: z.string(),
  Description: z.string().optional(),
  Selector: z.string().optional(),
  BindType: z.string(),
  BindName: z.string(),
  BindVars: z.unknown().optional(),
});
export type ConsulAclBindingRule = z.output<typeof aclBindingRuleSchema>;
export const aclBindingRulesSchema = z.array(aclBindingRuleSchema);

/** Writes whose answer the lab does not read (a PUT's `true`, a created object). */
export const anyAnswer = z.unknown();

/** GET /v1/connect/ca/roots (exercise 7): the mesh's trust domain and which root signs now. */
export const connectCaRootsSchema = lenientObject({
  ActiveRootID: text,
  TrustDomain: text,
  Roots: lenientList(lenientObject({ ID: text, Name: text, Active: z.boolean().catch(false) })),
});

/** GET /v1/connect/intentions/exact (exercise 7): one intention's action ("" when it has L7 permissions instead). */
export const intentionSchema = lenientObject({ SourceName: text, DestinationName: text, Action: text });

/** GET /v1/connect/intentions (the lab view): every intention, read as intentionSchema; not a list is refused. */
export const intentionsSchema = z.array(intentionSchema);

/** One entry of GET /v1/kv/<key> as the `consul` client hands it back (Value already decoded from base64). */
export const kvEntrySchema = lenientObject({ Key: text, Value: text });

/** GET /v1/catalog/datacenters (exercise 8): the datacenters this one knows over the WAN, nearest first. */
export const datacentersSchema = z.array(z.string());

/** GET /v1/query (exercise 8): the prepared queries, read leniently (only what the exercise looks at). */
export const preparedQueriesSchema = lenientList(
  lenientObject({
    ID: text,
    Name: text,
    Service: lenientObject({
      Service: text,
      OnlyPassing: z.boolean().catch(false),
      Failover: lenientObject({ NearestN: z.number().int().catch(0), Datacenters: lenientList(z.string()) }),
    }),
  }),
);

/** GET /v1/query/<name>/execute (exercise 8): where it answered from, after how many failovers, with which instances. */
export const preparedQueryExecuteSchema = lenientObject({
  Datacenter: text,
  Failovers: z.number().int().catch(0),
  Nodes: lenientList(lenientObject({ Service: lenientObject({ ID: text }) })),
});
