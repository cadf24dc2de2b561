// npm run lab:check's work (scripts/lab-check.ts parses the flags): the facts of the running lab, the exercise's
// checks over them, ✓/✗ lines or JSON; exit 0 only when every check passes, 1 otherwise, 2 for an unknown exercise.
import {
  checkExercise,
  EXERCISES,
  findExercise,
  gatherFacts,
  ME_EXERCISE,
  passed,
  ROOM_EXERCISE,
  type GatherOptions,
  type LabFacts,
  type RoomView,
} from '../../../services/exercises';
import { UsageError } from '../../../services/shared/errors';
import { terminalSafeJson } from '../../../services/shared/terminalText';
import { instructorConsulToken } from '../classroom/secrets';
import { openLab, type Lab } from '../lab/openLab';
import { labCheckMe, liveMeDeps, type MeCheckDeps } from './checkMe';
import { readConnectClient, readDemoRequests, renderResult } from './labCheck';
import { readRoom, roomCheck } from './roomCheck';

export interface CheckOptions {
  project?: string;
  json?: boolean;
}

export interface CheckDeps {
  root: string;
  openLab(project: string | undefined): Promise<Lab>;
  gatherFacts(opts: GatherOptions): Promise<LabFacts>;
  readDemoRequests: typeof readDemoRequests;
  readConnectClient: typeof readConnectClient;
  /** The lab view's GET /room.json (the room exercises). */
  readRoom(url: string): Promise<RoomView>;
  out(text: string): void;
  env?: NodeJS.ProcessEnv;
  /** `lab:check -- me` (a student's laptop, no lab): its own world; live when left out. */
  me?: MeCheckDeps;
}

export function liveCheckDeps(root: string): CheckDeps {
  return { root, openLab, gatherFacts, readDemoRequests, readConnectClient, readRoom, out: (text) => process.stdout.write(text) };
}

/** lab:check for exercise `id`: 0 when every check passes, 1 otherwise; an unknown id is bad input (exit 2). */
export async function labCheck(id: string, opts: CheckOptions, deps: CheckDeps): Promise<number> {
  // A student's machine has no lab to open: its own state, agent and the instructor's page (checkMe.ts).
  if (id === ME_EXERCISE) return labCheckMe(opts, deps.me ?? liveMeDeps(deps.root, deps.out));
  if (!findExercise(id)) {
    throw new UsageError(
      `unknown exercise "${id}": one of ${EXERCISES.map((e) => `${e.id} (${e.title})`).join(', ')}, ${ME_EXERCISE} (a student's own machine)`,
    );
  }
  // The room is the lab view's memory, read from the view on 127.0.0.1: no Docker, no Consul needed.
  if (id === ROOM_EXERCISE) return roomCheck(opts, deps);
  const lab = await deps.openLab(opts.project);
  try {
    const facts = await deps.gatherFacts({
      consulUrl: lab.endpoints.consulUrl,
      nginxUrl: lab.endpoints.nginxUrl,
      // CONSUL_HTTP_TOKEN as the `consul` client does, else the classroom's management token when this machine ran
      // lab:up --classroom: host-a's agent has no default token there, and raft's state needs operator:read.
      consulToken: instructorConsulToken(deps.root),
      demoRequests: () => deps.readDemoRequests(lab),
      connectClient: () => deps.readConnectClient(lab),
    });
    const result = checkExercise(id, facts);
    deps.out((opts.json ? terminalSafeJson(result) : renderResult(result, lab.project)) + '\n');
    return passed(result) ? 0 : 1;
  } finally {
    lab.close();
  }
}
