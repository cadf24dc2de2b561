// `docker compose down` as lab:down and lab:leave run it: Compose's own Stopped/Removed lines are the progress, a
// failure is one line, and whatever is still there afterwards is named.
import { composeFailureLine, type ComposeOptions, type ComposeResult } from '../docker/compose';
import type { LabContainer } from '../docker/labContainers';
import type { Progress } from '../term/progress';

/** Compose's line, as progress, when it is an outcome (of Stopping/Stopped/Removing/Removed keep the outcomes). */
export function downProgress(progress: Progress): NonNullable<ComposeOptions['onLine']> {
  return (line) => {
    if (/\b(Stopped|Removed)$/.test(line.trim())) progress.line(line.trim().replace(/\s{2,}/g, ' '));
  };
}

/** Throws one line when `down` failed, or when containers of the project are left (listed after a `down` that worked). */
export async function checkDown(result: ComposeResult, listLeft: () => Promise<LabContainer[]>, project: string): Promise<void> {
  if (result.code !== 0) throw new Error(`docker compose down failed: ${composeFailureLine(result)}`);
  const left = await listLeft();
  if (left.length) throw new Error(`${left.length} containers of "${project}" are still there: ${left.map((c) => c.name).join(', ')}`);
}
