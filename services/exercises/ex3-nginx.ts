/*
 * README "3. Nginx and consul-template": the page, each passing instance's avatar route and /api/ follow Consul's
 * passing set, re-rendered by consul-template.
 */
import { check, CheckResult, nameOf, names, on2, passingIds, WORKSHOP } from './check';
import { apiCheck, pageMatchesCheck, TEMPLATE_LAG } from './commonChecks';
import { LabFacts } from './facts';

export function nginx(f: LabFacts): CheckResult[] {
  const routeLabel = 'every passing instance answers /avatars/workshop-<name> through Nginx';
  return [
    pageMatchesCheck(f),
    on2(f.workshop, WORKSHOP, f.avatars, 'the avatars through Nginx', routeLabel, (instances, avatars) => {
      const passing = [...passingIds(instances)].sort();
      if (passing.length === 0) return check(false, `${routeLabel} (none passing)`, '`npm run lab:restore-api` brings the instances back');
      const bad = passing.filter((id) => {
        const a = avatars[id];
        return !a || !a.ok || a.value !== 200;
      });
      const detail = bad
        .map((id) => {
          const a = avatars[id];
          return `${nameOf(id)}: ${!a ? 'not asked' : a.ok ? `HTTP ${a.value}` : a.error}`;
        })
        .join('; ');
      return check(bad.length === 0, bad.length ? `${routeLabel} (not: ${names(bad)})` : routeLabel, `${detail} — ${TEMPLATE_LAG}`);
    }),
    apiCheck(f),
  ];
}
