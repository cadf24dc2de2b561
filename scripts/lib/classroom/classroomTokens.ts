// The classroom's own tokens (issue 18, least privilege): no agent and no container of the instructor holds the
// management token. Each of the instructor's agents gets an agent token that is a node identity for its own node;
// each service that writes gets a token that writes only what it must. Their secrets are made by lab:up before
// anything starts (secrets.json), handed to the containers in their environment, and created in Consul with exactly
// those SecretIDs by the ACL set-up once the servers have a leader (until then the agents' and services' calls get
// "ACL not found" and retry, as in Consul's own bootstrap order). Pure data: no I/O.
import { randomUUID } from 'node:crypto';
import { WORKSHOP_SERVICE_NAME as WORKSHOP_SERVICE } from '../../../services/workshop-api/names';
import { CONSUL_DEMO_SERVICE_NAME as DEMO_SERVICE } from '../../../services/consul-demo/names';

/** The nodes of the instructor's own Consul agents (docker-compose.yml): each has an agent token of its own. */
export const INSTRUCTOR_AGENT_NODES = ['consul-server-1', 'consul-server-2', 'consul-server-3', 'host-a', 'host-b'] as const;
export type InstructorAgentNode = (typeof INSTRUCTOR_AGENT_NODES)[number];

/** The instructor's services that write to Consul, each with its own token. */
export const INSTRUCTOR_WRITERS = ['workshop-host-a', 'workshop-host-b', 'consul-demo', 'enrollment'] as const;
export type InstructorWriter = (typeof INSTRUCTOR_WRITERS)[number];

/** The key of a preset token in secrets.json's `tokens`. */
export type PresetTokenKey = `agent-${InstructorAgentNode}` | InstructorWriter;

export const PRESET_TOKEN_KEYS: readonly PresetTokenKey[] = [
  ...INSTRUCTOR_AGENT_NODES.map((n) => `agent-${n}` as const),
  ...INSTRUCTOR_WRITERS,
];

export interface TokenIds {
  accessorId: string;
  secretId: string;
}

/** Fresh IDs for every preset token. */
export function newPresetTokenIds(): Record<PresetTokenKey, TokenIds> {
  return Object.fromEntries(PRESET_TOKEN_KEYS.map((k) => [k, { accessorId: randomUUID(), secretId: randomUUID() }])) as Record<
    PresetTokenKey,
    TokenIds
  >;
}

/** The enrollment service's policy: list tokens (to see whether a name is taken; Consul hides their secrets without acl write) and read the catalog. */
export const ENROLLMENT_POLICY = 'lab-enrollment';
export const ENROLLMENT_RULES = 'acl = "read"\nnode_prefix "" { policy = "read" }\nservice_prefix "" { policy = "read" }\n';

/** A token as PUT /v1/acl/token creates it (the fields the lab sets). */
export interface PresetToken {
  key: PresetTokenKey;
  AccessorID: string;
  SecretID: string;
  Description: string;
  NodeIdentities?: Array<{ NodeName: string; Datacenter: string }>;
  ServiceIdentities?: Array<{ ServiceName: string }>;
  Policies?: Array<{ Name: string }>;
}

/** The Description every preset token carries: how a second lab:up (and lab:roster) recognises them. */
export function presetTokenDescription(key: PresetTokenKey): string {
  return `lab classroom ${key}`;
}

/**
 * What each preset token may do:
 * - agent-<node>: a node identity for its own node (register itself, its checks; read services), nothing else;
 * - workshop-host-a/-b: the service `workshop` and its own host's node (`--check-scope node` registers a node-level
 *   check, which needs node write);
 * - consul-demo: the service `consul-demo`;
 * - enrollment: the lab-enrollment policy (reads; it mints no token itself: students log in through the
 *   lab-students auth method with a JWT it signs, services/enrollment/names.ts).
 */
export function presetTokens(ids: Record<PresetTokenKey, TokenIds>, datacenter: string): PresetToken[] {
  const node = (n: string): Array<{ NodeName: string; Datacenter: string }> => [{ NodeName: n, Datacenter: datacenter }];
  const rights: Record<PresetTokenKey, Pick<PresetToken, 'NodeIdentities' | 'ServiceIdentities' | 'Policies'>> = {
    'agent-consul-server-1': { NodeIdentities: node('consul-server-1') },
    'agent-consul-server-2': { NodeIdentities: node('consul-server-2') },
    'agent-consul-server-3': { NodeIdentities: node('consul-server-3') },
    'agent-host-a': { NodeIdentities: node('host-a') },
    'agent-host-b': { NodeIdentities: node('host-b') },
    'workshop-host-a': { ServiceIdentities: [{ ServiceName: WORKSHOP_SERVICE }], NodeIdentities: node('host-a') },
    'workshop-host-b': { ServiceIdentities: [{ ServiceName: WORKSHOP_SERVICE }], NodeIdentities: node('host-b') },
    'consul-demo': { ServiceIdentities: [{ ServiceName: DEMO_SERVICE }] },
    enrollment: { Policies: [{ Name: ENROLLMENT_POLICY }] },
  };
  return PRESET_TOKEN_KEYS.map((key) => ({
    key,
    AccessorID: ids[key].accessorId,
    SecretID: ids[key].secretId,
    Description: presetTokenDescription(key),
    ...rights[key],
  }));
}
