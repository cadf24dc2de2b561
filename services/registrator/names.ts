/*
 * The registrator's names as other code may rely on them (the lab scripts, the exercise checks, tests): the labels
 * it reads, the Meta it writes, the KV key of its last-die record (from services/shared/names.ts, the names the
 * lab's parts agree on). No side effects: importing this never loads the service.
 */
export {
  COMPOSE_LABELS,
  REGISTERED_BY,
  REGISTERED_BY_META,
  REGISTRATOR_CONTAINER_META,
  REGISTRATOR_LABELS,
  registratorLastDieKey,
} from '../shared/names';

/** The simulated host's name (`--host`): a Compose service name as the lab writes them. */
export const HOST_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** The first 12 hex of a container ID, as `docker ps` shows it and Meta `container` holds it. */
export function shortContainerId(id: string): string {
  return id.slice(0, 12);
}
