// consul-lab/machine:offline (images/machine/): built here, by the simulation, not by lab:images. Every
// lab user runs lab:images; only the simulation needs a Docker engine inside an image, so the offline image
// set stays as it is. Same caching as the offline images: the label consul-lab.inputs = a hash of the
// Dockerfile's directory and the parent image's id; a matching image is reused as is.
import path from 'node:path';
import type Docker from 'dockerode';
import { OFFLINE_IMAGES } from '../../images/buildOfflineImages';
import { INPUTS_LABEL, buildImage, imageId, imageInputsHash } from '../../images/dockerBuild';
import { dirParts, inputsHash, listFiles } from '../../images/inputsHash';
import { MACHINE_IMAGE } from './layout';

export async function ensureMachineImage(docker: Docker, repoRoot: string, say: (line: string) => void): Promise<'cached' | 'built'> {
  const dir = path.join(repoRoot, 'images', 'machine');
  let parent: string;
  try {
    parent = await imageId(docker, OFFLINE_IMAGES.base);
  } catch {
    throw new Error(`${OFFLINE_IMAGES.base} not found: run "npm run lab:images" first`);
  }
  const hash = await inputsHash([`parent:${parent}`, ...dirParts(dir)]);
  const have = await imageInputsHash(docker, MACHINE_IMAGE);
  if (have === hash) {
    say(`${MACHINE_IMAGE}: up to date (inputs ${hash})`);
    return 'cached';
  }
  const t0 = Date.now();
  say(`${MACHINE_IMAGE}: building (${have === undefined ? 'missing' : 'inputs changed'}; apt-get install docker.io iptables iproute2)`);
  const previous = have === undefined ? undefined : await imageId(docker, MACHINE_IMAGE);
  await buildImage(docker, {
    contextDir: dir,
    entries: listFiles(dir),
    tag: MACHINE_IMAGE,
    labels: { [INPUTS_LABEL]: hash },
    buildArgs: { BASE_IMAGE: OFFLINE_IMAGES.base },
    onLine: (line) => {
      if (/^Step \d+\/\d+ :/.test(line)) say(`  ${line.length > 110 ? line.slice(0, 107) + '...' : line}`);
    },
  });
  // The old build lost its tag: remove it (Docker refuses while a container uses it, which is fine).
  if (previous && previous !== (await imageId(docker, MACHINE_IMAGE)))
    await docker
      .getImage(previous)
      .remove()
      .catch(() => undefined);
  say(`${MACHINE_IMAGE}: built in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return 'built';
}
