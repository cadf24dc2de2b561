// The lab's images into each simulated machine's engine, the way an instructor would hand them out on a USB
// stick: `docker save` ONCE into a tar (shared layers stored once), then `docker load` from it in each
// machine through `docker exec -i`. No machine ever reaches a registry.
import { execFile } from 'node:child_process';
import { createReadStream, statSync } from 'node:fs';
import { Transform } from 'node:stream';
import { promisify } from 'node:util';
import type Docker from 'dockerode';
import { execIn, lastLine } from './machineExec';

const execFileP = promisify(execFile);

/** `docker save -o tar images...` (the CLI: it writes one tar for several images, sharing their layers). */
export async function saveImages(images: string[], tarPath: string): Promise<number> {
  try {
    await execFileP('docker', ['save', '-o', tarPath, ...images], { timeout: 10 * 60_000, maxBuffer: 1024 * 1024 });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`docker save ${images.join(' ')} failed: ${lastLine(e.stderr ?? '') || e.message.split('\n')[0]}`, { cause: err });
  }
  return statSync(tarPath).size;
}

const MB = 1024 * 1024;

/** `docker load` in a machine from a tar on the host, with a progress line every ~5 s. */
export async function loadImages(
  docker: Docker,
  container: string,
  tarPath: string,
  say: (line: string) => void,
  everyMs = 5000,
): Promise<number> {
  const total = statSync(tarPath).size;
  let sent = 0;
  // Counted on the way through (a 'data' listener on the file stream would start it flowing, and lose
  // bytes, before execIn has piped it anywhere).
  const input = createReadStream(tarPath).pipe(
    new Transform({
      transform(chunk: Buffer, _enc, done) {
        sent += chunk.length;
        done(null, chunk);
      },
    }),
  );
  let said = -1;
  const ticker = setInterval(() => {
    if (sent === said) return; // all sent: docker load is unpacking, its "Loaded image" lines come next
    said = sent;
    say(`${container}: docker load ${Math.round(sent / MB)}/${Math.round(total / MB)} MB sent`);
  }, everyMs);
  try {
    const r = await execIn(docker, container, ['docker', 'load'], {
      stdin: input,
      onLine: (line, stream) => {
        if (stream === 'stdout' && line.startsWith('Loaded image')) say(`${container}: ${line}`);
      },
      timeoutMs: 10 * 60_000,
    });
    if (r.exitCode !== 0) throw new Error(`docker load in ${container} failed (exit ${r.exitCode}): ${lastLine(r.stderr) || 'no output'}`);
    return r.seconds;
  } finally {
    clearInterval(ticker);
  }
}
