import { ChildProcess, spawn } from 'node:child_process';

export interface StartOptions {
  name: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Echo the process's output to the test's stderr (debugging). Also on with TEST_VERBOSE=1. */
  echo?: boolean;
}

/**
 * A child process started by a test: its output kept as lines, waitable, stopped by pid.
 * Every ManagedProcess is tracked so `stopAllProcesses()` (afterAll) ends whatever a failing test left.
 */
export class ManagedProcess {
  readonly child: ChildProcess;
  readonly name: string;
  readonly stdoutLines: string[] = [];
  readonly stderrLines: string[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  exitCode: number | null | undefined = undefined;
  private listeners: Array<() => void> = [];

  constructor(cmd: string, args: string[], opts: StartOptions) {
    this.name = opts.name;
    this.child = spawn(cmd, args, {
      env: opts.env ?? process.env,
      cwd: opts.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const echo = opts.echo || process.env.TEST_VERBOSE === '1';
    const collect = (stream: NodeJS.ReadableStream | null, into: string[], label: string): void => {
      let buf = '';
      stream?.setEncoding('utf8');
      stream?.on('data', (chunk: string) => {
        buf += chunk;
        let i: number;
        while ((i = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, i);
          buf = buf.slice(i + 1);
          into.push(line);
          if (echo) process.stderr.write(`[${this.name} ${label}] ${line}\n`);
          for (const l of this.listeners) l();
        }
      });
    };
    collect(this.child.stdout, this.stdoutLines, 'out');
    collect(this.child.stderr, this.stderrLines, 'err');
    this.exited = new Promise((resolve) => {
      this.child.on('exit', (code, signal) => {
        this.exitCode = code;
        live.delete(this);
        for (const l of this.listeners) l();
        resolve({ code, signal });
      });
      this.child.on('error', () => {
        live.delete(this);
        resolve({ code: -1, signal: null });
      });
    });
    live.add(this);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.exitCode === undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** All output so far, stdout then stderr. */
  output(): string {
    return [...this.stdoutLines, ...this.stderrLines].join('\n');
  }

  /** Resolve with the first line (stdout or stderr) matching `re`, including lines already seen. */
  waitForLine(re: RegExp, timeoutMs = 10_000): Promise<string> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const hit = [...this.stdoutLines, ...this.stderrLines].find((l) => re.test(l));
        if (hit !== undefined) {
          done();
          resolve(hit);
          return true;
        }
        if (!this.running) {
          done();
          reject(new Error(`${this.name} exited (code ${this.exitCode}) before printing ${re}:\n${this.output().slice(-2000)}`));
          return true;
        }
        return false;
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`${this.name}: no line matching ${re} within ${timeoutMs} ms:\n${this.output().slice(-2000)}`));
      }, timeoutMs);
      const listener = (): void => void check();
      const done = (): void => {
        clearTimeout(timer);
        this.listeners = this.listeners.filter((l) => l !== listener);
      };
      this.listeners.push(listener);
      check();
    });
  }

  signal(sig: NodeJS.Signals): void {
    if (this.running && this.pid) process.kill(this.pid, sig);
  }

  /** Send `sig`, wait up to `graceMs`, then SIGKILL. Resolves with the exit status. */
  async stop(sig: NodeJS.Signals = 'SIGTERM', graceMs = 5000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.running) {
      this.signal(sig);
      const t = setTimeout(() => this.signal('SIGKILL'), graceMs);
      const r = await this.exited;
      clearTimeout(t);
      return r;
    }
    return this.exited;
  }
}

const live = new Set<ManagedProcess>();

export function startProcess(cmd: string, args: string[], opts: StartOptions): ManagedProcess {
  return new ManagedProcess(cmd, args, opts);
}

/** Stop every process the tests of this file started and that still runs (by pid). */
export async function stopAllProcesses(): Promise<void> {
  await Promise.all([...live].map((p) => p.stop('SIGTERM', 3000)));
}

/**
 * Wait for `ready`; if that fails, stop what was started before rethrowing, so that no failed start-up
 * (a Consul without a leader, an Nginx that never listened) leaves a process behind.
 */
export async function readyOrStopped<T extends { stop(): Promise<unknown> }>(started: T, ready: () => Promise<unknown>): Promise<T> {
  try {
    await ready();
  } catch (err) {
    await started.stop();
    throw err;
  }
  return started;
}
