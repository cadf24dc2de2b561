/*
 * The checklist panel's data: whatever a pluggable provider says about the exercises. The lab:check logic
 * is plugged in later; until then the provider is empty and the panel says so.
 */
import type { ConsulClient } from '../shared/consulClient';

export interface CheckResult {
  ok: boolean;
  label: string;
  hint: string;
}

export interface ExerciseResult {
  id: string;
  title: string;
  checks: CheckResult[];
}

/** Asked on every GET /api/checks; a throw becomes HTTP 500 with its one-line message. */
export type ChecksProvider = (consul: ConsulClient) => Promise<ExerciseResult[]>;

export const emptyChecksProvider: ChecksProvider = async () => [];
