import path from 'node:path';
import type Docker from 'dockerode';
import { imageRefs, OFFLINE_ENV_FILE, readEnvFile } from '../docker/envFile';
import { buildOfflineImages } from './buildOfflineImages';
import { presentImages } from './pull';

/**
 * The bench runs on the air-gapped images (.env.offline), so on the Consul version .env pins. Missing ones →
 * one line saying to build them with `npm run lab:images` (installs debootstrap and builds Consul when needed:
 * minutes, root and a Debian mirror: not something a benchmark should start by itself). Present ones are
 * refreshed through the same cached build, which rebuilds only the images whose inputs changed (the services
 * and nginx images carry this checkout's code and scripts; the Consul image .env's version) in seconds.
 */
export async function ensureOfflineImages(docker: Docker, repoRoot: string, progress: (msg: string) => void): Promise<void> {
  const refs = imageRefs(readEnvFile(path.join(repoRoot, OFFLINE_ENV_FILE)), {});
  const present = await presentImages(docker, refs);
  const missing = refs.filter((ref) => !present.has(ref));
  if (missing.length) throw new Error(`the offline images are not built (${missing.join(', ')} missing): run \`npm run lab:images\` first`);
  const results = await buildOfflineImages({ repoRoot, docker, progress: (m) => progress(`images: ${m}`) });
  const built = results.filter((r) => r.action === 'built').map((r) => r.tag);
  progress(`images: ${built.length ? `rebuilt ${built.join(', ')}` : 'all up to date'}`);
}
