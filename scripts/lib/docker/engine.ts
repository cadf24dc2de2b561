import Docker from 'dockerode';
import { errorMessage } from '../../../services/shared/errors';

/** Docker could not be reached: a one-line message saying what to do (exit 1). */
export class DockerUnreachableError extends Error {
  override name = 'DockerUnreachableError';
}

/** Where dockerode will connect: DOCKER_HOST when set (as the docker CLI does), else the local socket. */
export function dockerEndpoint(env: NodeJS.ProcessEnv = process.env): string {
  return env.DOCKER_HOST || (process.platform === 'win32' ? 'npipe:////./pipe/docker_engine' : 'unix:///var/run/docker.sock');
}

/** The one place the lab scripts build a Docker client. dockerode reads DOCKER_HOST itself. */
export function createDocker(): Docker {
  return new Docker();
}

export function dockerUnreachableMessage(err: unknown, env: NodeJS.ProcessEnv = process.env): string {
  const why = errorMessage(err).split('\n')[0];
  return (
    `cannot reach Docker at ${dockerEndpoint(env)} (${why}); ` +
    'start Docker (Docker Desktop, or `sudo systemctl start docker`), or set DOCKER_HOST, then try again'
  );
}

/** Ping the engine first so every command fails the same clear way when Docker is down. */
export async function connectDocker(docker: Docker = createDocker()): Promise<Docker> {
  try {
    await docker.ping();
  } catch (err) {
    throw new DockerUnreachableError(dockerUnreachableMessage(err));
  }
  return docker;
}

/**
 * Docker multiplexes a non-TTY container's stdout and stderr into frames:
 * 8-byte header [stream, 0, 0, 0, size(4 bytes, big-endian)] then `size` bytes.
 * Returns the stdout and stderr texts. A TTY container's logs are raw: pass `tty = true`.
 */
export function demuxDockerLogs(buf: Buffer, tty = false): { stdout: string; stderr: string } {
  if (tty) return { stdout: buf.toString('utf8'), stderr: '' };
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  let i = 0;
  while (i + 8 <= buf.length) {
    const stream = buf[i]!;
    const size = buf.readUInt32BE(i + 4);
    const chunk = buf.subarray(i + 8, i + 8 + size);
    (stream === 2 ? err : out).push(chunk);
    i += 8 + size;
  }
  return { stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
}

/**
 * A container's logs through dockerode (`docker logs`), demuxed: non-TTY containers' frames are split into
 * stdout and stderr, a TTY container's raw text is stdout. `since` is epoch seconds, as the engine takes it.
 */
export async function readContainerLogs(
  docker: Docker,
  containerId: string,
  opts: { stdout?: boolean; stderr?: boolean; since?: number; tail?: number },
): Promise<{ stdout: string; stderr: string }> {
  const c = docker.getContainer(containerId);
  const info = await c.inspect();
  const buf = await c.logs({
    stdout: opts.stdout ?? true,
    stderr: opts.stderr ?? true,
    follow: false,
    ...(opts.since !== undefined ? { since: opts.since } : {}),
    ...(opts.tail !== undefined ? { tail: opts.tail } : {}),
  });
  return demuxDockerLogs(Buffer.isBuffer(buf) ? buf : Buffer.from(String(buf)), info.Config.Tty);
}

/** Run a command in a running container and return its stdout (used to read files nginx renders). */
export async function execText(
  container: Docker.Container,
  cmd: string[],
  timeoutMs = 5000,
): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const exec = await container.exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({ hijack: true, stdin: false });
  const chunks: Buffer[] = [];
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      stream.destroy();
      reject(new Error(`${cmd.join(' ')}: no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      clearTimeout(timer);
      resolve();
    });
    stream.on('error', (e: Error) => {
      clearTimeout(timer);
      reject(e);
    });
  });
  const { stdout, stderr } = demuxDockerLogs(Buffer.concat(chunks));
  const info = await exec.inspect();
  return { exitCode: info.ExitCode ?? -1, stdout, stderr };
}
