import { spawn } from 'node:child_process';
import type Docker from 'dockerode';

/** Label every offline image carries: a hash of everything it was built from (see buildOfflineImages.ts). */
export const INPUTS_LABEL = 'consul-lab.inputs';

/** The inputs hash an existing image was built from, or undefined when the image does not exist. */
export async function imageInputsHash(docker: Docker, tag: string): Promise<string | undefined> {
  try {
    const info = await docker.getImage(tag).inspect();
    return info.Config?.Labels?.[INPUTS_LABEL] ?? '';
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return undefined;
    throw err;
  }
}

export async function imageId(docker: Docker, tag: string): Promise<string> {
  return (await docker.getImage(tag).inspect()).Id;
}

interface StreamEvent {
  stream?: string;
  status?: string;
  error?: string;
  errorDetail?: { message?: string };
}

/**
 * Read a Docker JSON-lines progress stream (build/import) to its end. `onLine` sees each output
 * line; an `error` event rejects with the engine's message and the last lines of output.
 */
function followStream(docker: Docker, stream: NodeJS.ReadableStream, onLine: (line: string) => void): Promise<string[]> {
  const tail: string[] = [];
  return new Promise((resolve, reject) => {
    let failure: string | undefined;
    docker.modem.followProgress(
      stream,
      (err: Error | null) => {
        if (err) reject(err);
        else if (failure) reject(new Error(`${failure}\n--- last output ---\n${tail.slice(-30).join('\n')}`));
        else resolve(tail);
      },
      (evt: StreamEvent) => {
        if (evt.error) failure = evt.errorDetail?.message ?? evt.error;
        const text = evt.stream ?? evt.status;
        if (!text) return;
        for (const line of text.split('\n')) {
          if (!line.trim()) continue;
          tail.push(line);
          if (tail.length > 200) tail.shift();
          onLine(line);
        }
      },
    );
  });
}

export interface BuildOptions {
  /** Directory sent as the build context (it holds the Dockerfile). */
  contextDir: string;
  /** Context entries (relative to contextDir) to send; directories are sent recursively. */
  entries: string[];
  tag: string;
  buildArgs?: Record<string, string>;
  labels?: Record<string, string>;
  onLine?: (line: string) => void;
}

/**
 * `docker build` through the engine API (dockerode), with the classic builder: it works with
 * every engine (Debian's 20.10 here has no buildx plugin) and needs no registry as long as every
 * FROM names a local image. `pull: false` so a local tag is never looked up remotely.
 */
export async function buildImage(docker: Docker, opts: BuildOptions): Promise<void> {
  const stream = await docker.buildImage(
    { context: opts.contextDir, src: opts.entries },
    { t: opts.tag, buildargs: opts.buildArgs ?? {}, labels: opts.labels ?? {}, rm: true, forcerm: true, pull: false },
  );
  await followStream(docker, stream, opts.onLine ?? (() => undefined));
}

/**
 * `tar -C rootfs -c . | docker import`: turn a debootstrap root filesystem into an image.
 * tar (as root) keeps ownership, devices and xattrs exactly; dockerode sends the stream.
 */
export async function importRootfs(docker: Docker, rootfs: string, tag: string, changes: string[]): Promise<void> {
  const [repo, tagName] = splitTag(tag);
  const tar = spawn('tar', ['--numeric-owner', '-C', rootfs, '-c', '.'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let tarErr = '';
  tar.stderr.on('data', (d: Buffer) => (tarErr += d.toString()));
  const tarDone = new Promise<void>((resolve, reject) =>
    tar.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`tar of ${rootfs} failed (${code}): ${tarErr.trim()}`)))),
  );
  const stream = (await docker.importImage(tar.stdout, { repo, tag: tagName, changes })) as NodeJS.ReadableStream;
  await followStream(docker, stream, () => undefined);
  await tarDone;
}

function splitTag(tag: string): [string, string] {
  const i = tag.lastIndexOf(':');
  return i > tag.lastIndexOf('/') ? [tag.slice(0, i), tag.slice(i + 1)] : [tag, 'latest'];
}
