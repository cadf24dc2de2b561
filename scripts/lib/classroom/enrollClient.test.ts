import type { JoinInfo } from './joinInfo';
import { CLASSROOM_CA_PEM } from './testdata/testCas';
import { ENROLL_DEADLINE_MS, MAX_CODE_WAIT_MS } from '../../../services/enrollment/names';
import {
  CODE_TIMEOUT_MS,
  ENROLL_TIMEOUT_MS,
  EnrollError,
  enrollStudent,
  fetchJoinInfo,
  networkReason,
  releaseStudent,
  serverError,
} from './enrollClient';

const joinInfo: JoinInfo = {
  version: 2,
  datacenter: 'dc1',
  instructor: '192.168.1.20',
  servers: ['192.168.1.20:8301'],
  gossipKey: 'k'.repeat(43) + '=',
  joinCode: 'kite-maple-7421',
  ca: CLASSROOM_CA_PEM,
  enrollUrl: 'https://192.168.1.20:8099',
  consulUi: 'http://192.168.1.20:8500/ui/',
  page: 'http://192.168.1.20:8080/',
};
const ENROLL = 'http://192.168.1.20:8099';

interface Seen {
  url: string;
  init: RequestInit;
}

/** A fetch that answers `status` with `body` and records the request. */
function fakeFetch(status: number, body: unknown, seen: Seen[] = []): typeof fetch {
  return (async (url: string | URL | Request, init?: RequestInit) => {
    seen.push({ url: String(url), init: init ?? {} });
    return new Response(status === 204 ? null : typeof body === 'string' ? body : JSON.stringify(body), { status });
  }) as typeof fetch;
}

function failingFetch(code: string): typeof fetch {
  return (async () => {
    throw Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error(code), { code }) });
  }) as typeof fetch;
}

async function failure(p: Promise<unknown>): Promise<EnrollError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(EnrollError);
    return err as EnrollError;
  }
  throw new Error('expected a failure');
}

describe('fetchJoinInfo', () => {
  test('200: the join info; the code in the POST body, never in the URL', async () => {
    const seen: Seen[] = [];
    await expect(fetchJoinInfo(ENROLL, 'kite-maple-7421', { fetch: fakeFetch(200, joinInfo, seen) })).resolves.toEqual(joinInfo);
    expect(seen[0]!.url).toBe('http://192.168.1.20:8099/v1/join-info');
    expect(seen[0]!.init.method).toBe('POST');
    expect(JSON.parse(String(seen[0]!.init.body))).toEqual({ code: 'kite-maple-7421' });
  });
  test('405 (an instructor on an older lab): one line saying to run the same version', async () => {
    const e = await failure(fetchJoinInfo(ENROLL, 'c', { fetch: fakeFetch(405, { error: 'use POST' }) }));
    expect(e.kind).toBe('protocol');
    expect(e.message).toMatch(/same \(git pull\)/);
  });
  test('403: wrong code, one line', async () => {
    const e = await failure(fetchJoinInfo(ENROLL, 'nope', { fetch: fakeFetch(403, { error: 'wrong join code' }) }));
    expect(e.kind).toBe('wrong-code');
    expect(e.message).toMatch(/refused the join code/);
  });
  test('junk join info: protocol error naming the field, not the value', async () => {
    const e = await failure(fetchJoinInfo(ENROLL, 'c', { fetch: fakeFetch(200, { ...joinInfo, gossipKey: 'short-secret' }) }));
    expect(e.kind).toBe('protocol');
    expect(e.message).toMatch(/gossipKey/);
    expect(e.message).not.toMatch(/short-secret/);
  });
});

describe('enrollStudent', () => {
  const ok = { name: 'alice', nodeName: 'student-alice', serviceId: 'workshop-alice', token: 'secret-token-1', accessorId: 'acc' };
  test('201: the enrollment; code and name in a JSON body', async () => {
    const seen: Seen[] = [];
    await expect(enrollStudent(ENROLL, 'kite-maple-7421', 'alice', { fetch: fakeFetch(201, ok, seen) })).resolves.toEqual(ok);
    expect(seen[0]!.url).toBe('http://192.168.1.20:8099/v1/students');
    expect(seen[0]!.init.method).toBe('POST');
    expect(JSON.parse(String(seen[0]!.init.body))).toEqual({ code: 'kite-maple-7421', name: 'alice' });
  });
  test("409: the server's own sentence", async () => {
    const msg = 'the name "alice" is taken: a student with that GitHub account has already joined';
    const e = await failure(enrollStudent(ENROLL, 'c', 'alice', { fetch: fakeFetch(409, { error: msg }) }));
    expect(e.kind).toBe('name-taken');
    expect(e.message).toBe(msg);
  });
  test('409 without a body: our sentence', async () => {
    const e = await failure(enrollStudent(ENROLL, 'c', 'alice', { fetch: fakeFetch(409, '') }));
    expect(e.message).toMatch(/the name "alice" is taken/);
  });
  test.each([
    [403, 'wrong-code'],
    [400, 'bad-name'],
    [500, 'protocol'],
  ])('%i → %s', async (status, kind) => {
    const e = await failure(enrollStudent(ENROLL, 'c', 'alice', { fetch: fakeFetch(status, { error: 'x' }) }));
    expect(e.kind).toBe(kind);
  });
  test('201 with a body that lacks the token: protocol error', async () => {
    const e = await failure(enrollStudent(ENROLL, 'c', 'alice', { fetch: fakeFetch(201, { name: 'alice' }) }));
    expect(e.kind).toBe('protocol');
  });
  test.each(['ECONNREFUSED', 'EHOSTUNREACH', 'UND_ERR_CONNECT_TIMEOUT'])(
    '%s: unreachable, one line with the ports to open',
    async (code) => {
      const e = await failure(
        enrollStudent(ENROLL, 'c', 'alice', { fetch: failingFetch(code), portsHint: 'TCP 8099 (enrollment) and more' }),
      );
      expect(e.kind).toBe('unreachable');
      expect(e.message).toMatch(/^cannot reach the instructor's enrollment service at http:\/\/192\.168\.1\.20:8099 \(/);
      expect(e.message).toMatch(/TCP 8099 \(enrollment\) and more/);
      expect(e.message).not.toMatch(/\n/);
    },
  );
});

describe('timeouts and the wrong-code limit', () => {
  test('POST /v1/students waits past the service deadline (a token may still be minted), not the short per-request timeout', async () => {
    // The code may wait its turn behind wrong ones from the same address, then the service's deadline runs.
    expect(ENROLL_TIMEOUT_MS).toBeGreaterThanOrEqual(MAX_CODE_WAIT_MS + ENROLL_DEADLINE_MS + 5000);
    expect(CODE_TIMEOUT_MS).toBeGreaterThanOrEqual(MAX_CODE_WAIT_MS + 5000);
    const slow = (async (_url: string | URL | Request, init?: RequestInit) => {
      await new Promise((r) => setTimeout(r, 120));
      init?.signal?.throwIfAborted();
      return new Response(
        JSON.stringify({ name: 'alice', nodeName: 'student-alice', serviceId: 'workshop-alice', token: 't'.repeat(36), accessorId: 'a' }),
        {
          status: 201,
        },
      );
    }) as typeof fetch;
    await expect(enrollStudent(ENROLL, 'c', 'alice', { fetch: slow, timeoutMs: 50 })).resolves.toMatchObject({ name: 'alice' });
    const e = await failure(enrollStudent(ENROLL, 'c', 'alice', { fetch: slow, timeoutMs: 50, enrollTimeoutMs: 50 }));
    expect(e.kind).toBe('unreachable');
    expect(e.message).toMatch(/no answer in time/);
  });
  test("429: the service's wait, one line", async () => {
    for (const p of [
      fetchJoinInfo(ENROLL, 'c', { fetch: fakeFetch(429, { error: 'too many wrong join codes from this address: try again in 42 s' }) }),
      enrollStudent(ENROLL, 'c', 'alice', {
        fetch: fakeFetch(429, { error: 'too many wrong join codes from this address: try again in 42 s' }),
      }),
    ]) {
      const e = await failure(p);
      expect(e.kind).toBe('refused');
      expect(e.message).toMatch(/try again in 42 s/);
      expect(e.message).not.toContain('\n');
    }
  });
});

describe('releaseStudent', () => {
  test('204: released, with the token in the header (never the URL)', async () => {
    const seen: Seen[] = [];
    await expect(releaseStudent(ENROLL, 'alice', 'secret-token-1', { fetch: fakeFetch(204, null, seen) })).resolves.toBe('released');
    expect(seen[0]!.url).toBe('http://192.168.1.20:8099/v1/students/alice');
    expect(seen[0]!.init.method).toBe('DELETE');
    expect((seen[0]!.init.headers as Record<string, string>)['x-consul-token']).toBe('secret-token-1');
    expect(seen[0]!.url).not.toMatch(/secret/);
  });
  test.each([403, 404])('%i: the service no longer knows the token', async (status) => {
    await expect(releaseStudent(ENROLL, 'alice', 't-12345678', { fetch: fakeFetch(status, { error: 'x' }) })).resolves.toBe('unknown');
  });
  test('unreachable: an EnrollError', async () => {
    expect((await failure(releaseStudent(ENROLL, 'alice', 't-12345678', { fetch: failingFetch('ECONNREFUSED') }))).kind).toBe(
      'unreachable',
    );
  });
});

test('serverError: the error field as one short line', () => {
  expect(serverError('{"error":"a\\nb"}')).toBe('a b');
  expect(serverError('not json')).toBeUndefined();
  expect(serverError(JSON.stringify({ error: 'x'.repeat(500) }))!.length).toBeLessThan(310);
});

test('networkReason: a timeout', () => {
  expect(networkReason(Object.assign(new Error('t'), { name: 'TimeoutError' }))).toBe('no answer in time');
});
