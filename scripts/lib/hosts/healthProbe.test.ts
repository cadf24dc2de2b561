import type Docker from 'dockerode';
import { parseProbe, probeHealth, probeLine } from './healthProbe';

describe('parseProbe / probeLine', () => {
  it('reads the status the instance answered', () => {
    expect(parseProbe('status 200\n')).toEqual({ status: 200 });
    expect(probeLine('api-b1', { status: 200 })).toBe(
      'api-b1 still answers GET /health: 200 — the service is fine; Consul can no longer vouch for it',
    );
    expect(probeLine('api-b1', parseProbe('status 503'))).toBe('api-b1 answers GET /health: 503');
  });
  it('reports what went wrong otherwise', () => {
    expect(parseProbe('error ECONNREFUSED')).toEqual({ error: 'ECONNREFUSED' });
    expect(parseProbe('')).toEqual({ error: 'no answer' });
    expect(probeLine('api-b1', { error: 'ECONNREFUSED' })).toBe('api-b1 did not answer GET /health (ECONNREFUSED)');
  });
  it('turns a failed exec into an error result', async () => {
    const docker = { getContainer: () => ({ exec: async () => Promise.reject(new Error('container is not running')) }) };
    expect(await probeHealth(docker as unknown as Docker, 'c1')).toEqual({ error: 'container is not running' });
  });
});
