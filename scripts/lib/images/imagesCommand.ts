// npm run lab:images's work (scripts/lab-images.ts parses the flags): set up and build the air-gapped images,
// every progress line stamped with the seconds since the start, and the summary.
import type Docker from 'dockerode';
import { connectDocker } from '../docker/engine';
import { OFFLINE_IMAGES, type ImageResult, type PlanOptions } from './buildOfflineImages';
import { setupAndBuildOfflineImages } from './setup';

export interface ImagesOptions {
  force: boolean;
  mirror: string;
}

export interface ImagesDeps {
  root: string;
  connectDocker(): Promise<Docker>;
  build(opts: PlanOptions): Promise<ImageResult[]>;
  out(text: string): void;
  now(): number;
}

export function liveImagesDeps(root: string): ImagesDeps {
  return { root, connectDocker, build: setupAndBuildOfflineImages, out: (text) => process.stdout.write(text), now: Date.now };
}

/** lab:images: 0 once every image is built or up to date, or it throws one line. */
export async function labImages(opts: ImagesOptions, deps: ImagesDeps): Promise<number> {
  const t0 = deps.now();
  const progress = (msg: string): void => {
    deps.out(`[lab:images ${((deps.now() - t0) / 1000).toFixed(1).padStart(6)} s] ${msg}\n`);
  };
  const docker = await deps.connectDocker();
  const results = await deps.build({ repoRoot: deps.root, docker, progress, force: opts.force, mirror: opts.mirror });
  const built = results.filter((r) => r.action === 'built').length;
  progress(`done: ${built} built, ${results.length - built} up to date (${Object.keys(OFFLINE_IMAGES).length} images)`);
  progress('run the lab on them: docker compose --env-file .env.offline up -d --wait   (or: npm run lab:up -- --offline)');
  return 0;
}
