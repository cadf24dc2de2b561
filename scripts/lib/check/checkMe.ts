// `npm run lab:check -- me`, on a student's laptop: the student's own state (student.json), the facts from its own
// agent and the instructor's page (classroom/studentFacts.ts), the pure checks of services/exercises/me.ts, ✓/✗ lines
// or JSON; exit 0 only when every check passes, 1 otherwise (also with no state: one line, the join command).
import { ME_EXERCISE, ME_TITLE, meChecks, NOT_JOINED, passed, type ExerciseResult, type StudentFacts } from '../../../services/exercises';
import { terminalSafeJson } from '../../../services/shared/terminalText';
import { studentSettings, type StudentSettings } from '../classroom/studentAddress';
import { gatherStudentFacts } from '../classroom/studentFacts';
import { readStudentState, studentDir, type StudentState } from '../classroom/studentState';
import { renderResult } from './labCheck';

export interface MeCheckDeps {
  root: string;
  env: NodeJS.ProcessEnv;
  gather(state: StudentState, settings: StudentSettings): Promise<StudentFacts>;
  out(text: string): void;
}

export function liveMeDeps(root: string, out: (text: string) => void): MeCheckDeps {
  return { root, env: process.env, gather: (state, settings) => gatherStudentFacts(state, settings), out };
}

export async function labCheckMe(opts: { json?: boolean }, deps: MeCheckDeps): Promise<number> {
  // Bad settings first (exit 2), as lab:join says them.
  const settings = studentSettings(deps.env);
  const state = readStudentState(studentDir(deps.root, deps.env));
  if (!state) {
    deps.out(
      (opts.json
        ? terminalSafeJson({ id: ME_EXERCISE, title: ME_TITLE, checks: [{ ok: false, label: 'not joined', hint: NOT_JOINED }] })
        : NOT_JOINED) + '\n',
    );
    return 1;
  }
  const result: ExerciseResult = { id: ME_EXERCISE, title: ME_TITLE, checks: meChecks(await deps.gather(state, settings)) };
  deps.out((opts.json ? terminalSafeJson(result) : renderResult(result)) + '\n');
  return passed(result) ? 0 : 1;
}
