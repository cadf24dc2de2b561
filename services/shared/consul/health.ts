/*
 * The shape of Consul's health API answers, declared once: the types the gateway's schemas (schemas.ts) read them
 * as. Types only: importing this loads nothing.
 */
import type { ConsulCheck, ConsulHealthEntry } from './schemas';

/** One check of a health entry. `ServiceID` is "" for a node-level check (serfHealth). */
export type HealthCheck = ConsulCheck;

/** One entry of GET /v1/health/service/<name>: the instance, its node and all of its checks (the node's too). */
export type HealthServiceEntry = ConsulHealthEntry;
