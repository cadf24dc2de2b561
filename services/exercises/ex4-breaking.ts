/*
 * README "4. Breaking things with the scripts": with an instance stopped or killed hard, it leaves the passing set
 * and the page while the others keep serving /api/, and Consul keeps its leader.
 */
import { check, CheckResult, names, on, on2, PAGE, passingIds, WORKSHOP } from './check';
import { apiCheck, leaderCheck, TEMPLATE_LAG } from './commonChecks';
import { InstanceFact, LAB_WORKSHOP_INSTANCES, LabFacts } from './facts';

export function breaking(f: LabFacts): CheckResult[] {
  const downLabel = 'at least one workshop instance is not passing';
  const pageLabel = 'no instance that is not passing is on the Nginx page';
  const notPassing = (instances: InstanceFact[]): string[] => {
    const passing = passingIds(instances);
    const ids = new Set([...LAB_WORKSHOP_INSTANCES.map((w) => w.id), ...instances.map((i) => i.id)]);
    return [...ids].filter((id) => !passing.has(id)).sort();
  };
  return [
    on(f.workshop, WORKSHOP, downLabel, (instances) => {
      const down = notPassing(instances);
      return check(
        down.length > 0,
        down.length ? `${downLabel} (${names(down)})` : downLabel,
        'stop one: `npm run lab:kill-api` (or kill one hard: `npm run lab:kill-api -- api-a2 --hard`)',
      );
    }),
    on2(f.workshop, WORKSHOP, f.page, PAGE, pageLabel, (instances, page) => {
      const shown = notPassing(instances).filter((id) => page.tiles.includes(id));
      return check(
        shown.length === 0,
        shown.length ? `${pageLabel} (still shown: ${names(shown)})` : pageLabel,
        `a hard kill takes a check interval (1–3 s) to notice, then ${TEMPLATE_LAG}`,
      );
    }),
    apiCheck(f, '/api/ still answers 200: the other instances serve it'),
    leaderCheck(f),
  ];
}
