import { composeArgs, composeContextFromLabels, composeFailureLine, contextArgs } from './compose';

describe('compose helpers', () => {
  it('rebuilds the files and env file a running lab was started with', () => {
    const ctx = composeContextFromLabels({
      'com.docker.compose.project.working_dir': '/work/main',
      'com.docker.compose.project.config_files': '/work/main/docker-compose.yml',
      'com.docker.compose.project.environment_file': '/work/main/.env.offline',
    });
    expect(contextArgs(ctx)).toEqual([
      '-f',
      '/work/main/docker-compose.yml',
      '--project-directory',
      '/work/main',
      '--env-file',
      '/work/main/.env.offline',
    ]);
    expect(composeArgs(['up', '-d'], { project: 'x', context: ctx }).slice(0, 3)).toEqual(['compose', '-p', 'x']);
    expect(composeArgs(['up'], { project: 'x', envFile: '.env.offline' })).toEqual([
      'compose',
      '-p',
      'x',
      '--env-file',
      '.env.offline',
      'up',
    ]);
    expect(contextArgs(composeContextFromLabels({}))).toEqual([]);
  });
  it("picks the error line from Compose's output", () => {
    expect(
      composeFailureLine({
        code: 1,
        stdout: '',
        stderr: ' Container a  Creating\nError response from daemon: No such image: consul-lab/consul:offline\n',
      }),
    ).toBe('Error response from daemon: No such image: consul-lab/consul:offline');
    expect(composeFailureLine({ code: 3, stdout: '', stderr: '' })).toBe('exit code 3');
    // per-service Warning/Error lines first, the daemon's verdict last: the verdict wins
    const pull =
      ' nginx Warning Get "https://registry-1.docker.io/v2/": no such host\n consul-agent Error Get "https://registry-1.docker.io/v2/": no such host\nError response from daemon: Get "https://registry-1.docker.io/v2/": no such host\n';
    expect(composeFailureLine({ code: 1, stdout: '', stderr: pull })).toBe(
      'Error response from daemon: Get "https://registry-1.docker.io/v2/": no such host',
    );
  });
});
