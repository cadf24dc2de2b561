/*
 * The shape of Consul's health API answers, declared once: the `consul` client types them as any.
 * Types only: importing this loads nothing.
 */

/** One check of a health entry. `ServiceID` is "" for a node-level check (serfHealth). */
export interface HealthCheck {
  CheckID: string;
  ServiceID: string;
  Status: string;
}

/** One entry of GET /v1/health/service/<name>: the instance, its node and all of its checks (the node's too). */
export interface HealthServiceEntry {
  Node: { Node: string; Address: string };
  /** An empty Address means "the node's address", as Consul's own DNS interface treats it. */
  Service: { ID: string; Service: string; Address: string; Port: number; Tags: string[] | null; Meta: Record<string, string> | null };
  Checks: HealthCheck[];
}
