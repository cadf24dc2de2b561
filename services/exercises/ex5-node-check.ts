/*
 * README "5. A host fails", step 3: the workshop's checks registered at node level (`--check-scope node`), one of
 * them critical, takes the other services on host-b out of the passing set although their own checks pass.
 */
import { workshopNodeCheckId } from '../shared/names';
import { check, CheckResult, DEMO, nameOf, NODE_CHECKS, on, on2, serfOf, WORKSHOP } from './check';
import { RESTORE_AGENT } from './commonChecks';
import { CheckFact, CONSUL_DEMO_SERVICE, InstanceFact, isWorkshopNodeCheck, LabFacts } from './facts';

export function nodeCheckExercise(f: LabFacts): CheckResult[] {
  const host = 'host-b';
  const existsLabel = 'a node-level workshop check on host-b';
  const criticalLabel = 'one of them is critical';
  const othersLabel = 'the other services on host-b are out of the passing set, though their own checks pass';
  const nodeChecksOnB = (checks: CheckFact[]): CheckFact[] => checks.filter((c) => c.node === host && isWorkshopNodeCheck(c.checkId));
  return [
    on(f.nodeChecks, NODE_CHECKS, existsLabel, (checks) => {
      const found = nodeChecksOnB(checks);
      return check(
        found.length > 0,
        found.length ? `${existsLabel} (${found.map((c) => c.checkId).join(', ')})` : existsLabel,
        'register the checks at node level: `npm run lab:up -- --check-scope node`',
      );
    }),
    on(f.nodeChecks, NODE_CHECKS, criticalLabel, (checks) => {
      const critical = nodeChecksOnB(checks).filter((c) => c.status === 'critical');
      return check(
        critical.length > 0,
        critical.length ? `${criticalLabel} (${critical.map((c) => c.checkId).join(', ')})` : criticalLabel,
        nodeChecksOnB(checks).length
          ? 'kill one instance hard: `npm run lab:kill-api -- api-b1 --hard` (its check goes critical in 1–3 s)'
          : 'first `npm run lab:up -- --check-scope node`, then `npm run lab:kill-api -- api-b1 --hard`',
      );
    }),
    (() => {
      if (!f.nodeChecks.ok) return check(false, othersLabel, `could not read ${NODE_CHECKS}: ${f.nodeChecks.error}`);
      const checks = f.nodeChecks.value;
      return on2(f.workshop, WORKSHOP, f.consulDemo, DEMO, othersLabel, (workshop, demo) => {
        if (serfOf(checks, host)?.status !== 'passing')
          return check(
            false,
            `${othersLabel} (host-b's agent is not alive)`,
            `here the node check must be the cause, not the agent: ${RESTORE_AGENT[host]}`,
          );
        // An instance's own checks: those bound to it, and (workshop, --check-scope node) its node-level check.
        const own = (i: InstanceFact): CheckFact[] => [
          ...i.checks.filter((c) => c.serviceId === i.id),
          ...checks.filter((c) => c.node === host && c.serviceId === '' && c.checkId === workshopNodeCheckId(i.id)),
        ];
        const others = [...workshop, ...demo].filter(
          (i) => i.node === host && own(i).length > 0 && own(i).every((c) => c.status === 'passing'),
        );
        const label = (i: InstanceFact): string => (i.service === CONSUL_DEMO_SERVICE ? 'consul-demo' : nameOf(i.id));
        if (others.length === 0)
          return check(
            false,
            `${othersLabel} (none healthy on host-b)`,
            'bring the others back: `npm run lab:restore-api`, keeping api-b1 killed',
          );
        const stillPassing = others.filter((i) => i.passing);
        return check(
          stillPassing.length === 0,
          stillPassing.length
            ? `${othersLabel} (still passing: ${[...new Set(stillPassing.map(label))].join(', ')})`
            : `${othersLabel} (${[...new Set(others.map(label))].join(', ')})`,
          'a critical node-level check takes them out: `npm run lab:kill-api -- api-b1 --hard`, then run again',
        );
      });
    })(),
  ];
}
