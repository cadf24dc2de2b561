import { demuxDockerLogs, dockerUnreachableMessage } from './engine';

const frame = (stream: 1 | 2, text: string): Buffer => {
  const body = Buffer.from(text);
  const h = Buffer.alloc(8);
  h[0] = stream;
  h.writeUInt32BE(body.length, 4);
  return Buffer.concat([h, body]);
};

describe('demuxDockerLogs', () => {
  it("splits Docker's multiplexed frames into stdout and stderr", () => {
    const buf = Buffer.concat([frame(1, '{"ok":true}\n'), frame(2, 'warn\n'), frame(1, '{"ok":false}\n')]);
    expect(demuxDockerLogs(buf)).toEqual({ stdout: '{"ok":true}\n{"ok":false}\n', stderr: 'warn\n' });
  });
  it('passes a TTY container log through', () => {
    expect(demuxDockerLogs(Buffer.from('raw\n'), true)).toEqual({ stdout: 'raw\n', stderr: '' });
  });
  it('ignores a truncated last frame header', () => {
    expect(demuxDockerLogs(Buffer.concat([frame(1, 'a'), Buffer.from([1, 0, 0])])).stdout).toBe('a');
  });
});

describe('dockerUnreachableMessage', () => {
  it('is one line saying what to do', () => {
    const m = dockerUnreachableMessage(new Error('connect ENOENT /var/run/docker.sock\nstack'), {});
    expect(m).toBe(
      'cannot reach Docker at unix:///var/run/docker.sock (connect ENOENT /var/run/docker.sock); start Docker (Docker Desktop, or `sudo systemctl start docker`), or set DOCKER_HOST, then try again',
    );
    expect(dockerUnreachableMessage(new Error('x'), { DOCKER_HOST: 'tcp://h:2375' })).toContain('tcp://h:2375');
  });
});
