/*
 * The one way to Consul: the `consul` client and its watch for what it covers, the request function and the
 * endpoints it lacks for the rest, zod schemas for every answer the lab reads, one error type.
 */
export { createConsulClient, consulHttpAddrFromEnv, consulDnsAddrFromEnv, type ConsulClient } from './client';
export * from './address';
export * from './errors';
export * from './http';
export * from './endpoints';
export * from './schemas';
export * from './watch';
export type { HealthCheck, HealthServiceEntry } from './health';
