/*
 * consul-demo's names as other code may rely on them (the lab scripts, tests). No imports and no side effects,
 * so importing this never loads the service itself.
 */

/** The Consul service name every consul-demo server registers under and every client looks up. */
export const CONSUL_DEMO_SERVICE_NAME = 'consul-demo';
