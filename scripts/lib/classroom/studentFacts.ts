// `lab:check -- me`'s facts: the student's machine as its own agent (127.0.0.1:LAB_STUDENT_HTTP_PORT, the student's
// token in X-Consul-Token through the gateway, never printed) and the instructor's page see it. Each part known or
// the one-line reason it is not, so one unreadable part fails only the checks that need it (services/exercises/me.ts).
import { checkStatus, type CheckFact, type Known, type StudentFacts } from '../../../services/exercises';
import { catalogNode, nodeChecks, type ConsulTarget } from '../../../services/shared/consul';
import { noAnswerReason } from '../../../services/shared/consul/http';
import { studentNodeName, studentServiceId } from '../../../services/shared/names';
import { registerSecret } from '../../../services/shared/secrets';
import { onPage } from './joinSteps';
import type { StudentSettings } from './studentAddress';
import type { StudentState } from './studentState';

/** What the facts are read with: the gateway's calls and joinSteps' page check (fakes in unit tests). */
export interface StudentFactsIo {
  catalogNode: typeof catalogNode;
  nodeChecks: typeof nodeChecks;
  onPage: typeof onPage;
}

const LIVE: StudentFactsIo = { catalogNode, nodeChecks, onPage };

async function known<T>(fn: () => Promise<T>): Promise<Known<T>> {
  try {
    return { ok: true, value: await fn() };
  } catch (err) {
    return { ok: false, error: noAnswerReason(err) };
  }
}

export async function gatherStudentFacts(state: StudentState, settings: StudentSettings, io: StudentFactsIo = LIVE): Promise<StudentFacts> {
  registerSecret(state.token);
  // The names are the lab's rule for the name (student.json is a file anyone on this machine could have edited).
  const nodeName = studentNodeName(state.name);
  const serviceId = studentServiceId(state.name);
  const agentUrl = `http://127.0.0.1:${settings.httpPort}`;
  const agent: ConsulTarget = { baseUrl: agentUrl, token: state.token, timeoutMs: 3000 };
  const [node, checks, page] = await Promise.all([
    known(async () => (await io.catalogNode(agent, nodeName)) !== null),
    known(async () =>
      (await io.nodeChecks(agent, nodeName)).map((c): CheckFact => ({
        node: c.Node || nodeName,
        checkId: c.CheckID,
        name: c.Name,
        status: checkStatus(c.Status),
        serviceId: c.ServiceID,
      })),
    ),
    known(() => io.onPage(state.joinInfo.page, serviceId)),
  ]);
  return {
    name: state.name,
    nodeName,
    serviceId,
    instructor: state.joinInfo.instructor,
    project: state.project ?? settings.project,
    agentUrl,
    apiAddress: `${state.address || '<this machine>'}:${settings.apiPort}`,
    serfPort: settings.serfPort,
    page: state.joinInfo.page,
    node,
    checks,
    onPage: page,
  };
}
