/*
 * README "8. Prepared queries and failover across datacenters": with a second datacenter joined over the WAN and
 * the prepared query workshop-nearest (Failover to dc2), dc1 losing every workshop instance makes the same query
 * answer with dc2's. Checked in that state, like exercises 4 and 5 are checked while something is down.
 */
import { check, CheckResult, names, on, passingIds, WORKSHOP } from './check';
import { DC2, LabFacts, PREPARED_QUERY } from './facts';

const DATACENTERS = "dc1's datacenters (catalog/datacenters)";
const DC2_WORKSHOP = "dc2's workshop instances";
const QUERY = `the prepared query ${PREPARED_QUERY}`;
const ANSWER = `${PREPARED_QUERY}'s answer`;
const UP_DC2 = '`npm run lab:up -- --datacenters 2`';
export const CREATE_QUERY = '`curl -X POST http://127.0.0.1:8500/v1/query --data-binary @consul/queries/workshop-nearest.json`';
export const STOP_DC1 = '`docker compose stop workshop-api-a1 workshop-api-a2 workshop-api-b1 workshop-api-b2`';

export function failoverExercise(f: LabFacts): CheckResult[] {
  const dc2Label = 'a second datacenter, dc2, joined over the WAN, with its workshop instances passing';
  const queryLabel = `a prepared query ${PREPARED_QUERY} for the passing workshop instances, failing over to dc2`;
  const dc1Label = 'every workshop instance in dc1 is out of the passing set';
  const answerLabel = `${PREPARED_QUERY} answers with dc2's instances (failed over)`;
  return [
    on(f.datacenters, DATACENTERS, dc2Label, (dcs) => {
      if (!dcs.includes(DC2)) return check(false, dc2Label, `start it: ${UP_DC2}`);
      return on(f.dc2Workshop, DC2_WORKSHOP, dc2Label, (dc2) => {
        const passing = [...passingIds(dc2)];
        return check(
          passing.length > 0,
          passing.length ? `${dc2Label} (${names(passing)})` : `${dc2Label} (none passing)`,
          'dc2 is joined but has no passing instance: `docker compose ps dc2-api-1 dc2-api-2`',
        );
      });
    }),
    on(f.preparedQuery, QUERY, queryLabel, (q) => {
      if (!q) return check(false, `${queryLabel} (none yet)`, `create it: ${CREATE_QUERY}`);
      const fails = q.failoverDatacenters.includes(DC2) || q.nearestN > 0;
      const ok = q.service === 'workshop' && q.onlyPassing && fails;
      return check(
        ok,
        ok
          ? queryLabel
          : `${queryLabel} (it asks for "${q.service}", OnlyPassing ${q.onlyPassing}, failover to ${q.failoverDatacenters.join(', ') || 'none'})`,
        `replace it: curl -X DELETE http://127.0.0.1:8500/v1/query/<its ID>, then ${CREATE_QUERY}`,
      );
    }),
    on(f.workshop, WORKSHOP, dc1Label, (instances) => {
      const passing = [...passingIds(instances)];
      return check(
        passing.length === 0,
        passing.length ? `${dc1Label} (still passing: ${names(passing)})` : dc1Label,
        `stop them all: ${STOP_DC1} (bring them back afterwards: \`npm run lab:restore-api\`)`,
      );
    }),
    on(f.queryAnswer, ANSWER, answerLabel, (a) => {
      if (!a) return check(false, answerLabel, `create the query first: ${CREATE_QUERY}`);
      const ok = a.datacenter === DC2 && a.failovers > 0 && a.ids.length > 0;
      return check(
        ok,
        ok ? `${answerLabel}: ${names(a.ids)}` : `${answerLabel} (it answers from ${a.datacenter || '?'}: ${names(a.ids) || 'nothing'})`,
        a.datacenter === DC2 ? 'dc2 has no passing instance to give' : `dc1 still has instances to give: ${STOP_DC1}`,
      );
    }),
  ];
}
