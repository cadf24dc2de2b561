import { presentImages, pullOrFallBackToOffline, STANDIN_LABEL, type PullOrFallBack } from './pull';

/** The engine's answer when no registry is reachable, as dockerode reports it. */
const noRegistry = () =>
  new Error('(HTTP code 500) server error - Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io: no such host');

function deps(pull: (ref: string) => Promise<void>, blocker?: string) {
  const said: string[] = [];
  const progress: string[] = [];
  const pulled: string[] = [];
  const d: PullOrFallBack = {
    pull: async (ref) => {
      await pull(ref);
      pulled.push(ref);
    },
    offlineBuildBlocker: async () => blocker,
    progress: (l) => progress.push(l),
    say: (l) => said.push(l),
  };
  return { d, said, progress, pulled };
}

describe("lab:up's registry-or-air-gapped decision", () => {
  test('every pull succeeds: run on the registry images, nothing said about falling back', async () => {
    const { d, said, pulled } = deps(async () => undefined);
    await expect(pullOrFallBackToOffline(['hashicorp/consul:1.20.5', 'nginx:1.27-bookworm'], d)).resolves.toBe(false);
    expect(pulled).toEqual(['hashicorp/consul:1.20.5', 'nginx:1.27-bookworm']);
    expect(said).toEqual([]);
  });

  test('a pull fails and this machine can build: one line saying so, the rest is not tried, run air-gapped', async () => {
    const tried: string[] = [];
    const { d, said } = deps(async (ref) => {
      tried.push(ref);
      throw noRegistry();
    });
    await expect(pullOrFallBackToOffline(['hashicorp/consul:1.20.5', 'nginx:1.27-bookworm'], d)).resolves.toBe(true);
    expect(tried).toEqual(['hashicorp/consul:1.20.5']);
    expect(said).toHaveLength(1);
    expect(said[0]).toMatch(
      /^Cannot pull hashicorp\/consul:1\.20\.5 \(Get "https:\/\/registry-1\.docker\.io\/v2\/": .*no such host\): building the air-gapped images/,
    );
    expect(said[0]).not.toContain('\n');
  });

  test('a pull fails and this machine cannot build: one error line naming the image, the reason and the blocker', async () => {
    const { d, said } = deps(async () => {
      throw noRegistry();
    }, 'building them needs root: run `sudo npm run lab:images`');
    const err = await pullOrFallBackToOffline(['hashicorp/consul:1.20.5'], d).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/^cannot pull hashicorp\/consul:1\.20\.5 \(.*no such host\); .*but: building them needs root/);
    expect((err as Error).message).not.toContain('\n');
    expect(said).toEqual([]);
  });

  test('nothing to pull (all present): registry images, no engine call', async () => {
    const { d, pulled } = deps(async () => {
      throw new Error('must not pull');
    });
    await expect(pullOrFallBackToOffline([], d)).resolves.toBe(false);
    expect(pulled).toEqual([]);
  });
});

describe('a test-only stand-in never passes for a pulled image', () => {
  // The engine boundary, faked: what `docker image inspect` answers for each name.
  const engine = (images: Record<string, Record<string, string> | null>) =>
    ({
      getImage: (ref: string) => ({
        inspect: async () => {
          if (!(ref in images)) throw new Error(`(HTTP code 404) no such image - ${ref}`);
          return { Config: { Labels: images[ref] } };
        },
      }),
    }) as unknown as Parameters<typeof presentImages>[0];

  test('official name held by a stand-in → absent; real image (no labels, or others) → present; missing → absent', async () => {
    const docker = engine({
      'hashicorp/consul:1.20.5': { [STANDIN_LABEL]: 'tests only' },
      'nginx:1.27-bookworm': null,
      'node:20-bookworm-slim': { maintainer: 'someone' },
    });
    const present = await presentImages(docker, ['hashicorp/consul:1.20.5', 'nginx:1.27-bookworm', 'node:20-bookworm-slim', 'gone:1']);
    expect([...present].sort()).toEqual(['nginx:1.27-bookworm', 'node:20-bookworm-slim']);
  });
});
