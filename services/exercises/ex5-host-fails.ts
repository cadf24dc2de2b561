/*
 * README "5. A host fails": with host-b cut off (or its agent crashed), its serfHealth goes critical and takes
 * every service on host-b out of the passing set and off the page, while host-a's stay.
 */
import { check, CheckResult, DEMO, hostOf, nameOf, names, NODE_CHECKS, on, on2, PAGE, passingIds, serfOf, WORKSHOP } from './check';
import { TEMPLATE_LAG } from './commonChecks';
import { CONSUL_DEMO_SERVICE, demoServerOf, InstanceFact, LAB_WORKSHOP_INSTANCES, LabFacts } from './facts';

export function hostFails(f: LabFacts): CheckResult[] {
  const host = 'host-b';
  const serfLabel = "host-b's agent is failed";
  const servicesLabel = 'no service on host-b is in a passing set';
  const pageLabel = "none of host-b's instances is on the Nginx page";
  const hostALabel = "host-a's workshop instances are all passing and on the page";
  const hostA = LAB_WORKSHOP_INSTANCES.filter((w) => w.host === 'host-a').map((w) => w.id);
  return [
    on(f.nodeChecks, NODE_CHECKS, serfLabel, (checks) => {
      const serf = serfOf(checks, host);
      return check(
        serf?.status === 'critical',
        `${serfLabel} (serfHealth ${serf?.status === 'critical' ? 'critical' : `is ${serf?.status ?? 'missing: no node host-b'}`})`,
        'cut host-b off: `npm run lab:partition -- host-b` (or crash only its agent: `npm run lab:kill-agent -- host-b`); Consul notices in ~5–8 s',
      );
    }),
    on2(f.workshop, WORKSHOP, f.consulDemo, DEMO, servicesLabel, (workshop, demo) => {
      const up = [...workshop, ...demo].filter((i) => i.node === host && i.passing);
      const label = (i: InstanceFact): string => (i.service === CONSUL_DEMO_SERVICE ? `consul-demo ${demoServerOf(i.id)}` : nameOf(i.id));
      return check(
        up.length === 0,
        up.length ? `${servicesLabel} (still passing: ${up.map(label).join(', ')})` : servicesLabel,
        "they go critical with host-b's serfHealth: take host-b down (`npm run lab:partition -- host-b`), then run again",
      );
    }),
    on2(f.page, PAGE, f.workshop, WORKSHOP, pageLabel, (page, instances) => {
      const shown = page.tiles.filter((t) => hostOf(t, instances) === host);
      return check(
        shown.length === 0,
        shown.length ? `${pageLabel} (still shown: ${names(shown)})` : pageLabel,
        `take host-b down first (\`npm run lab:partition -- host-b\`); then ${TEMPLATE_LAG}`,
      );
    }),
    on2(f.workshop, WORKSHOP, f.page, PAGE, hostALabel, (instances, page) => {
      const passing = passingIds(instances);
      const notPassing = hostA.filter((id) => !passing.has(id));
      const notShown = hostA.filter((id) => !page.tiles.includes(id));
      const bad = [...new Set([...notPassing, ...notShown])];
      return check(
        bad.length === 0,
        bad.length ? `${hostALabel} (not: ${names(bad)})` : hostALabel,
        notPassing.length ? '`npm run lab:restore-api` (this exercise takes host-b down, not host-a)' : TEMPLATE_LAG,
      );
    }),
  ];
}
