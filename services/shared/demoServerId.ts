/**
 * consul-demo's service IDs are `<instance prefix>-<n>` (services/consul-demo/registration.ts): the prefix
 * (consul-demo-<host>-<pid>-<random>) names one server process, `<n>` its incarnation. This takes the `-<n>` off:
 * one server across its restarts. Here, in shared, because consul-demo itself, the exercise checks (which may
 * import only services/shared) and the lab scripts all need the same rule.
 */
export function demoServerOf(serviceId: string): string {
  return serviceId.replace(/-\d+$/, '');
}
