import type Docker from 'dockerode';
import { errorMessage } from '../../../services/shared/errors';

/**
 * The registry images `docker compose up` with .env needs, given which images are already here: the
 * Consul image always; the bases of a lab image (NODE_IMAGE for the services image, NGINX_IMAGE and
 * CONSUL_TEMPLATE_IMAGE for the nginx image) only while that lab image is not built yet, as Compose only
 * builds a missing one. Values set in the shell win, as they do for Compose.
 */
export function imagesToPull(fileEnv: Record<string, string>, shellEnv: NodeJS.ProcessEnv, present: (ref: string) => boolean): string[] {
  const v = (k: string): string => shellEnv[k] || fileEnv[k] || '';
  const wanted = [v('CONSUL_IMAGE')];
  if (!present(v('LAB_SERVICES_IMAGE'))) wanted.push(v('NODE_IMAGE'));
  if (!present(v('LAB_NGINX_IMAGE'))) wanted.push(v('NGINX_IMAGE'), v('CONSUL_TEMPLATE_IMAGE'));
  return [...new Set(wanted.filter(Boolean))].filter((ref) => !present(ref));
}

/**
 * Label of the test-only stand-ins that carry the official image names (test/harness/standins.ts). A stand-in
 * left behind by an aborted test run must never pass for a pulled image: it is Debian, not the official build,
 * and its node image trusts this machine's CAs.
 */
export const STANDIN_LABEL = 'consul-lab.standin';

/** Whether the engine has `ref`; a test-only stand-in under that name does not count. */
export async function imagePresent(docker: Docker, ref: string): Promise<boolean> {
  return docker
    .getImage(ref)
    .inspect()
    .then(
      (info: { Config?: { Labels?: Record<string, string> | null } }) => !info.Config?.Labels?.[STANDIN_LABEL],
      () => false,
    );
}

/** Which of `refs` this engine has. */
export async function presentImages(docker: Docker, refs: Iterable<string>): Promise<Set<string>> {
  const present = new Set<string>();
  for (const ref of refs) if (await imagePresent(docker, ref)) present.add(ref);
  return present;
}

/** The engine's one-line reason a pull failed, without dockerode's "(HTTP code 500) server error - " prefix. */
export function pullFailureReason(err: unknown): string {
  return errorMessage(err)
    .split('\n')[0]!
    .replace(/^\(HTTP code \d+\)[^-]*- /, '')
    .trim();
}

/** `docker pull ref` through the engine, calling `tick` every 15 s while it downloads (an image can take minutes). */
export async function pullImage(docker: Docker, ref: string, tick: (secs: number) => void = () => undefined): Promise<void> {
  const t0 = Date.now();
  const timer = setInterval(() => tick(Math.round((Date.now() - t0) / 1000)), 15_000);
  try {
    const stream = (await docker.pull(ref)) as NodeJS.ReadableStream;
    await new Promise<void>((resolve, reject) => {
      let failure: string | undefined;
      docker.modem.followProgress(
        stream,
        (err: Error | null) => (err ? reject(err) : failure ? reject(new Error(failure)) : resolve()),
        (evt: { error?: string }) => {
          if (evt.error) failure = evt.error;
        },
      );
    });
  } finally {
    clearInterval(timer);
  }
}

export interface PullOrFallBack {
  pull(ref: string): Promise<void>;
  /** Why this machine cannot build the air-gapped images (one line), or undefined when it can. */
  offlineBuildBlocker(): Promise<string | undefined>;
  /** Progress lines (pulling, pulled). */
  progress(line: string): void;
  /** The one line that tells the user the lab falls back to the air-gapped images. */
  say(line: string): void;
}

/**
 * Pull `refs` in order. On the first failure: when this machine can build the air-gapped images, say so in one
 * line and return true (run on those); otherwise throw one line with the pull error and what blocks the build.
 * Returns false when every image was pulled.
 */
export async function pullOrFallBackToOffline(refs: string[], deps: PullOrFallBack): Promise<boolean> {
  for (const ref of refs) {
    deps.progress(`pulling ${ref}`);
    try {
      await deps.pull(ref);
      deps.progress(`pulled ${ref}`);
    } catch (err) {
      const why = pullFailureReason(err);
      const blocker = await deps.offlineBuildBlocker();
      if (blocker) {
        throw new Error(`cannot pull ${ref} (${why}); without a registry the lab runs on air-gapped images built here, but: ${blocker}`, {
          cause: err,
        });
      }
      deps.say(
        `Cannot pull ${ref} (${why}): building the air-gapped images on this machine instead and starting the lab on them (first time a few minutes, then seconds; \`--offline\` skips the registry).`,
      );
      return true;
    }
  }
  return false;
}
