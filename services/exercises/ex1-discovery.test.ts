// Exercise 1 (ex1-discovery.ts) on states built like a running lab's (testdata/labFacts.ts).
import { checkExercise } from './exercises';
import { passingDemoServers } from './gather';
import { expectFail, expectPass, factsOf, failures, healthyLab, requests } from './testdata/labFacts';

describe('1: discovery and high availability', () => {
  test('passes with two demo servers and 20 first-try requests over DNS and HTTP', () => {
    expectPass('1', healthyLab({ demoServers: 2 }));
  });

  test('passes with ONE server restarting make-before-break: no gap, every request first try', () => {
    expectPass('1', healthyLab({ demoServers: 1, restartMode: 'make-before-break' }));
  });

  test('fails on a one-server lab, with a hint to scale it or use make-before-break', () => {
    const f = failures(
      expectFail('1', healthyLab({ demoServers: 1, demo: requests(30, (i) => (i === 22 || i === 27 ? { attempts: 2 } : {})) })),
    );
    expect(f).toEqual([
      expect.stringMatching(
        /two or more demo servers, or one restarting make-before-break \(1 server, break-before-make\) — .*`npm run lab:scale-server`.*`npm run lab:up -- --restart-mode make-before-break`/,
      ),
      expect.stringMatching(/all succeeded on the first try \(18 of 20\) — .*npm run lab:scale-server/),
    ]);
  });

  test('two incarnations of ONE server are one process; only DNS discovery fails the discovery check', () => {
    const facts = factsOf(healthyLab({ demoServers: 2, demo: requests(20, () => ({ discovery: 'dns' })) }));
    facts.demoServersPassing = {
      ok: true,
      value: passingDemoServers(
        facts.consulDemo.ok ? facts.consulDemo.value.map((i) => ({ ...i, id: 'consul-demo-host-b-7-971e-' + i.port })) : [],
      ),
    };
    expect(failures(checkExercise('1', facts))).toEqual([
      expect.stringMatching(/make-before-break \(1 server, break-before-make\)/),
      expect.stringMatching(/both by DNS and by HTTP \(only dns\)/),
    ]);
  });
});
