import { UsageError } from '../../../services/shared/errors';
import { fakeCommandIo } from '../lab/testdata/fakeCommandIo';
import { worldLab, fakeNginx, fakeNodeChecks, newWorld, type FakeWorld } from '../experiment/testdata/fakeWorld';
import * as readNginx from '../nginx/readNginx';
import { agentHost, killAgent } from './killAgent';

function labOf(w: FakeWorld): ReturnType<typeof worldLab> {
  const nginx = fakeNginx(w);
  jest.spyOn(readNginx, 'readPage').mockImplementation(nginx.page);
  jest.spyOn(readNginx, 'readUpstream').mockImplementation(nginx.upstream);
  return worldLab(w);
}

const hostB = agentHost('host-b', false, undefined);
const run = (w: FakeWorld, restore: boolean, timeoutMs: number, io = fakeCommandIo().io): Promise<number> =>
  killAgent(labOf(w), hostB, { restore, timeoutMs, nodeChecks: fakeNodeChecks(w) }, io);

describe('agentHost', () => {
  it("names a lab host; host-a's agent is refused both ways, as bad input", () => {
    expect(hostB.agentService).toBe('host-b-agent');
    expect(() => agentHost('host-a', false, undefined)).toThrow(UsageError);
    expect(() => agentHost('host-a', true, 'other')).toThrow(
      "host-a's agent is the one this command talks to Consul through, so it cannot watch it come back: start it with `docker compose -p other start host-a-agent`",
    );
    expect(() => agentHost('host-z', false, undefined)).toThrow(UsageError);
  });
});

describe('killAgent', () => {
  it('crashes the agent, times each side, asks the instances themselves, and checks the other host', async () => {
    const w = newWorld();
    const { io, output, progressTexts } = fakeCommandIo();
    expect(await run(w, false, 60_000, io)).toBe(0);
    expect(w.actions).toEqual(['kill agent host-b']);
    const out = output();
    expect(out).toMatch(/^Crashing host-b's agent: docker kill consul-lab-host-b-agent-1 \(SIGKILL: no leave, no deregistration\)\n/);
    expect(progressTexts()).toEqual([
      "host-b's agent container stopped (exit code 137)",
      "host-b's agent marked failed by the servers (serfHealth critical)",
      "every service on host-b out of Consul's passing set",
      "host-b's workshop instances gone from the Nginx upstream",
      "host-b's workshop instances gone from the Nginx page",
    ]);
    expect(out).toContain("\nTimeline (SIGKILL of host-b's agent; polled every 200 ms, so each time is exact to about 0.4 s)\n");
    expect(out).toMatch(
      new RegExp(
        [
          '\n\napi-b1 did not answer GET /health \\(no exec in a fake lab\\)',
          'api-b2 did not answer GET /health \\(no exec in a fake lab\\)',
          "host-a's services stayed passing \\(2 passing instances before, 2 after\\)",
          'Bring the agent back: npm run lab:kill-agent -- --restore host-b {3}\\(or: docker start consul-lab-host-b-agent-1\\)\n$',
        ].join('\n'),
      ),
    );
  });

  it('restores a dead agent and times the way back; nothing to restore when it runs', async () => {
    const w = newWorld({ agents: { 'host-a': true, 'host-b': false } });
    const { io, output } = fakeCommandIo();
    expect(await run(w, true, 60_000, io)).toBe(0);
    expect(w.actions).toEqual(['start agent host-b']);
    expect(output()).toContain("  [  0.0 s] host-b's services back in Consul's passing set (2 instances)\n");
    expect(output()).toMatch(/host-b's agent came back with the services and checks it keeps in its data dir \(a named volume\)\.\n$/);
    const again = fakeCommandIo();
    expect(await run(w, true, 1_000, again.io)).toBe(0);
    expect(again.output()).toBe("host-b's agent (consul-lab-host-b-agent-1) is running; nothing to restore.\n");
  });

  it('refuses to kill an agent that is not running, with the restore command', async () => {
    const w = newWorld({ agents: { 'host-a': true, 'host-b': false } });
    await expect(run(w, false, 1_000)).rejects.toThrow(
      "host-b's agent (consul-lab-host-b-agent-1) is already exited; restore it: npm run lab:kill-agent -- --restore host-b",
    );
    expect(w.actions).toEqual([]);
  });

  it('exits 1 when the servers never notice in time', async () => {
    const w = newWorld({ reacts: false });
    const { io, output } = fakeCommandIo();
    expect(await run(w, false, 1_000, io)).toBe(1);
    expect(output()).toMatch(/not seen in 1\.0 s {2}host-b's agent marked failed by the servers/);
  });
});
