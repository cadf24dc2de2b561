// npm run lab:status's work (scripts/lab-status.ts parses the flags): read the running lab, print the report as
// tables or JSON; exit 1 when Consul does not answer (everything else in the lab depends on it).
import { terminalSafeJson } from '../../../services/shared/terminalText';
import { openLab, type Lab } from './openLab';
import { gatherStatus, renderStatus, type StatusReport } from './statusReport';

export interface StatusOptions {
  project?: string;
  window: number;
  json?: boolean;
}

export interface StatusDeps {
  openLab(project: string | undefined): Promise<Lab>;
  gatherStatus(lab: Lab, windowMs: number): Promise<StatusReport>;
  out(text: string): void;
}

export function liveStatusDeps(): StatusDeps {
  return { openLab, gatherStatus: (lab, windowMs) => gatherStatus(lab, windowMs), out: (text) => process.stdout.write(text) };
}

/** lab:status: 0 when Consul answered, 1 otherwise; the lab's connections are closed either way. */
export async function labStatus(opts: StatusOptions, deps: StatusDeps): Promise<number> {
  const lab = await deps.openLab(opts.project);
  try {
    const report = await deps.gatherStatus(lab, opts.window);
    // Every name in it comes from Consul (in classroom mode, from whoever joined): printed escaped.
    deps.out((opts.json ? terminalSafeJson(report) : renderStatus(report)) + '\n');
    // Consul unreachable is worth a non-zero exit: everything else in the lab depends on it.
    return report.members.ok ? 0 : 1;
  } finally {
    lab.close();
  }
}
