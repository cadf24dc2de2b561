/*
 * The checklist panel's data: what a provider says about the exercises. In the lab that is labChecks.ts (the
 * checks of `npm run lab:check`); tests may plug in their own. The result shape is the shared one.
 */
import type { ConsulClient } from '../shared/consulClient';
import type { ExerciseResult } from '../shared/exercises';

export type { CheckResult, ExerciseResult } from '../shared/exercises';

/** Asked on every GET /api/checks; a throw becomes HTTP 500 with its one-line message. */
export type ChecksProvider = (consul: ConsulClient) => Promise<ExerciseResult[]>;

export const emptyChecksProvider: ChecksProvider = async () => [];
