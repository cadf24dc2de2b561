/*
 * One look at the room from what the view already watches: the catalog's nodes (joined), every check of the
 * datacenter (health/state/any: serfHealth, the students' own checks) and the avatar links of the shared page.
 * Pure. Names come from whoever could register a node: only GitHub logins (STUDENT_NAME) become students.
 */
import { catalogNodesSchema, listOrEmpty } from '../shared/consul/schemas';
import { STUDENT_NAME, studentFromNodeName, studentNodeName, studentServiceId } from '../shared/names';
import type { StateCheck } from './cluster';

export type CheckScope = 'service' | 'node' | 'none';

/** A student whose node is in the catalog, as one look saw them. */
export interface StudentSeen {
  name: string;
  agentAlive: boolean;
  apiPassing: boolean;
  checkScope: CheckScope;
  /** A node-level check of theirs (not serfHealth) is critical: exercise (c)'s moment. */
  nodeCritical: boolean;
}

/** The page's avatar IDs, or why it could not be read. */
export type PageSeen = { ok: true; ids: readonly string[] } | { ok: false; error: string };

export interface RoomSeen {
  students: StudentSeen[];
  /** Nodes student-<x> whose <x> is no GitHub login. */
  ignored: number;
  page: PageSeen;
}

/** A student's own checks: on their node, node-level (ServiceID "") or on their service workshop-<name>. */
function studentSeen(name: string, checks: readonly StateCheck[]): StudentSeen {
  const node = studentNodeName(name);
  const service = studentServiceId(name);
  const mine = checks.filter((c) => c.Node === node);
  const serf = mine.find((c) => c.CheckID === 'serfHealth');
  const nodeLevel = mine.filter((c) => c.ServiceID === '' && c.CheckID !== 'serfHealth');
  const serviceLevel = mine.filter((c) => c.ServiceID === service);
  const checkScope: CheckScope = serviceLevel.length ? 'service' : nodeLevel.length ? 'node' : 'none';
  // As Consul's health/service/workshop-<name> judges the instance: its own checks and every node-level one.
  const counted = [...mine.filter((c) => c.ServiceID === ''), ...serviceLevel];
  return {
    name,
    agentAlive: serf?.Status === 'passing',
    apiPassing: checkScope !== 'none' && counted.every((c) => c.Status === 'passing'),
    checkScope,
    nodeCritical: nodeLevel.some((c) => c.Status === 'critical'),
  };
}

/** The room in one look: `nodes` is /v1/catalog/nodes's answer (untrusted JSON), `checks` health/state/any's. */
export function seeRoom(nodes: unknown, checks: readonly StateCheck[], page: PageSeen): RoomSeen {
  const names = new Set<string>();
  let ignored = 0;
  for (const n of listOrEmpty(catalogNodesSchema, nodes)) {
    const name = studentFromNodeName(n.Node);
    if (name === undefined) continue;
    if (STUDENT_NAME.test(name)) names.add(name);
    else ignored += 1;
  }
  return { students: [...names].map((n) => studentSeen(n, checks)), ignored, page };
}
