/*
 * README "2. Registration and health checks with workshop-api": every instance registers with its check inside
 * its own service definition, none at node level (where one critical check would take every service on its host
 * out), and all of them pass.
 */
import { check, CheckResult, names, NODE_CHECKS, on, WORKSHOP } from './check';
import { allWorkshopPassingCheck } from './commonChecks';
import { isWorkshopNodeCheck, LabFacts } from './facts';

const UNDO_NODE_SCOPE =
  '`npm run lab:up` puts the check back inside the service definition (after a kill: `npm run lab:restore-api` first)';

export function registration(f: LabFacts): CheckResult[] {
  const boundLabel = 'every workshop instance has its own check (ServiceID = its ID)';
  const nodeLabel = 'no node-level workshop check on any node';
  return [
    on(f.workshop, WORKSHOP, boundLabel, (instances) => {
      if (instances.length === 0) return check(false, `${boundLabel} (none registered)`, '`npm run lab:restore-api` (or `npm run lab:up`)');
      const unbound = instances.filter((i) => !i.checks.some((c) => c.serviceId === i.id)).map((i) => i.id);
      return check(unbound.length === 0, unbound.length ? `${boundLabel} (none: ${names(unbound)})` : boundLabel, UNDO_NODE_SCOPE);
    }),
    on(f.nodeChecks, NODE_CHECKS, nodeLabel, (checks) => {
      const found = checks.filter((c) => isWorkshopNodeCheck(c.checkId));
      return check(
        found.length === 0,
        found.length ? `${nodeLabel} (found ${found.map((c) => `${c.checkId} on ${c.node}`).join(', ')})` : nodeLabel,
        UNDO_NODE_SCOPE,
      );
    }),
    allWorkshopPassingCheck(f),
  ];
}
