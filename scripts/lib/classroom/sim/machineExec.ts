// `docker exec` into a simulated machine through the engine API (dockerode): the people's commands
// (lab:up, lab:join), docker load of the image tar, copying join.json in. Output is split into lines as it
// comes (for progress) and kept (for the result), stdin can be fed from a buffer or a stream.
import { Readable, Writable } from 'node:stream';
import type Docker from 'dockerode';
import { sleep } from '../../../../services/shared/async';

export interface ExecOptions {
  /** KEY=value pairs for the command only (never secrets: `docker inspect` of the exec shows them). */
  env?: string[];
  workingDir?: string;
  /** Fed to the command's stdin, then stdin is closed. */
  stdin?: Buffer | Readable;
  /** Every complete output line, as it comes. */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
  /** Keep the output in the result (default true; off for big outputs nobody reads). */
  keepOutput?: boolean;
  timeoutMs?: number;
}

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  seconds: number;
}

/** A Writable that hands on complete lines and keeps the text. */
function lineSink(keep: boolean, onLine?: (line: string) => void): { sink: Writable; text: () => string; flush: () => void } {
  let pending = '';
  const kept: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      const s = chunk.toString('utf8');
      if (keep) kept.push(s);
      if (onLine) {
        pending += s;
        const lines = pending.split('\n');
        pending = lines.pop() ?? '';
        for (const l of lines) onLine(l.replace(/\r$/, ''));
      }
      done();
    },
  });
  return {
    sink,
    text: () => kept.join(''),
    flush: () => {
      if (onLine && pending) onLine(pending);
      pending = '';
    },
  };
}

/** Run `cmd` in `container`; resolves with its exit code (a non-zero code is NOT an error here). */
export async function execIn(docker: Docker, container: string, cmd: string[], opts: ExecOptions = {}): Promise<ExecResult> {
  const t0 = Date.now();
  const keep = opts.keepOutput ?? true;
  const exec = await docker.getContainer(container).exec({
    Cmd: cmd,
    Env: opts.env,
    WorkingDir: opts.workingDir,
    AttachStdin: opts.stdin !== undefined,
    AttachStdout: true,
    AttachStderr: true,
  });
  const stream = (await exec.start({ hijack: true, stdin: opts.stdin !== undefined })) as NodeJS.ReadWriteStream & {
    destroy(err?: Error): void;
  };
  const out = lineSink(keep, opts.onLine && ((l) => opts.onLine!(l, 'stdout')));
  const err = lineSink(keep, opts.onLine && ((l) => opts.onLine!(l, 'stderr')));
  docker.modem.demuxStream(stream, out.sink, err.sink);

  await new Promise<void>((resolve, reject) => {
    let settled = false;
    const finish = (e?: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (e) reject(e);
      else resolve();
    };
    const timer = setTimeout(
      () => {
        stream.destroy();
        finish(new Error(`${cmd.join(' ')} in ${container}: no end within ${Math.round((opts.timeoutMs ?? 0) / 1000)} s`));
      },
      opts.timeoutMs ?? 10 * 60_000,
    );
    stream.on('end', () => finish());
    stream.on('close', () => finish());
    stream.on('error', (e: Error) => finish(e));
    if (opts.stdin !== undefined) {
      const input = Buffer.isBuffer(opts.stdin) ? Readable.from([opts.stdin]) : opts.stdin;
      input.on('error', (e: Error) => {
        stream.destroy();
        finish(e);
      });
      // pipe() ends the socket's write side when the input ends: the engine then closes the command's stdin.
      input.pipe(stream);
    }
  });
  out.flush();
  err.flush();
  // The stream can end a moment before the engine records the exit code.
  let info = await exec.inspect();
  for (let i = 0; info.Running && i < 50; i++) {
    await sleep(100);
    info = await exec.inspect();
  }
  return { exitCode: info.ExitCode ?? -1, stdout: out.text(), stderr: err.text(), seconds: (Date.now() - t0) / 1000 };
}

/** execIn that throws with the command's last stderr line when it exits non-zero. */
export async function execOk(docker: Docker, container: string, cmd: string[], opts: ExecOptions = {}): Promise<ExecResult> {
  const r = await execIn(docker, container, cmd, opts);
  if (r.exitCode !== 0) {
    const why = lastLine(r.stderr) || lastLine(r.stdout) || 'no output';
    throw new Error(`${cmd.slice(0, 3).join(' ')} in ${container} exited ${r.exitCode}: ${why}`);
  }
  return r;
}

export function lastLine(text: string): string {
  return (
    text
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)
      .pop() ?? ''
  );
}
