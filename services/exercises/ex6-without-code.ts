/*
 * README "6. Registration without code": inventory-db, which knows nothing about Consul, registered by host-b's
 * agent from a file and by hand with `consul services register`; api-b3 (workshop-api with --no-register)
 * registered by the registrator from its container's labels, and deregistered by Docker's die event when killed.
 */
import { REGISTERED_BY, REGISTERED_BY_META } from '../shared/names';
import { check, CheckResult, on, on2, WORKSHOP } from './check';
import { InstanceFact, LabFacts, REGISTRATOR_HOST, REGISTRATOR_INSTANCE } from './facts';

const INVENTORY = "Consul's inventory-db instances";
const LAST_DIE = "the registrator's last-die record (Consul KV)";
const by = (i: InstanceFact): string | undefined => i.meta[REGISTERED_BY_META];
const UP_WITH_REGISTRATOR = '`npm run lab:up -- --registrator`';
export const HAND_REGISTER =
  '`docker compose exec host-b-agent consul services register -name=inventory-db -id=inventory-db-by-hand -port=6380 -meta=registered-by=hand`';

export function withoutCode(f: LabFacts): CheckResult[] {
  const agentLabel = "inventory-db registered by host-b's agent from its config file, check passing";
  const handLabel = 'a second inventory-db registered by hand (`consul services register`), with no check of its own';
  const registratorLabel = "api-b3 (never talks to Consul) registered by the registrator from its container's labels";
  const dieLabel = "a hard kill of api-b3 left the catalog through Docker's die event, not a health check";
  return [
    on(f.inventoryDb, INVENTORY, agentLabel, (instances) => {
      const mine = instances.find((i) => by(i) === REGISTERED_BY.agentConfig && i.node === REGISTRATOR_HOST);
      if (!mine) return check(false, agentLabel, "host-b's agent reads consul/services/inventory-db.hcl when it starts: `npm run lab:up`");
      return check(
        mine.passing,
        mine.passing ? agentLabel : `${agentLabel} (its TCP check is not passing)`,
        'inventory-db is not answering on 6380: `docker compose start inventory-db`, then wait for its next check (2 s)',
      );
    }),
    on(f.inventoryDb, INVENTORY, handLabel, (instances) => {
      const hand = instances.find((i) => by(i) === REGISTERED_BY.hand);
      return check(hand !== undefined, hand ? `${handLabel} (${hand.id})` : handLabel, HAND_REGISTER);
    }),
    on2(f.workshop, WORKSHOP, f.registratorLastDie, LAST_DIE, registratorLabel, (workshop, lastDie) => {
      const b3 = workshop.find((i) => i.id === REGISTRATOR_INSTANCE.id);
      const registered = b3 !== undefined && by(b3) === REGISTERED_BY.registrator;
      // Killed and gone is the lesson too: the record says the registrator had it.
      const handled = lastDie?.serviceId === REGISTRATOR_INSTANCE.id;
      if (b3 && !registered)
        return check(false, `${registratorLabel} (${b3.id} is registered, but not by the registrator)`, UP_WITH_REGISTRATOR);
      return check(
        registered || handled,
        registered ? registratorLabel : handled ? `${registratorLabel} (killed since)` : registratorLabel,
        `start the registrator and api-b3: ${UP_WITH_REGISTRATOR}`,
      );
    }),
    on(f.registratorLastDie, LAST_DIE, dieLabel, (lastDie) => {
      const ok = lastDie?.serviceId === REGISTRATOR_INSTANCE.id;
      return check(
        ok,
        ok
          ? `${dieLabel} (deregistered ${lastDie.ms} ms after the event${lastDie.exitCode !== null ? `, exit ${lastDie.exitCode}` : ''})`
          : dieLabel,
        `kill it hard: \`npm run lab:kill-api -- api-b3 --hard\` (with the registrator running: ${UP_WITH_REGISTRATOR})`,
      );
    }),
  ];
}
