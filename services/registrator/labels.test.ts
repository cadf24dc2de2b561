import fc from 'fast-check';
import { SERVICE_ID, SERVICE_NAME, registrationFromLabels } from './labels';
import { REGISTRATOR_LABELS as L } from './names';

const ID = '0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef';
/** A workshop-api instance on host-b, as the lab labels it. */
const WORKSHOP = {
  [L.host]: 'host-b',
  [L.name]: 'workshop',
  [L.id]: 'workshop-b3',
  [L.port]: '8083',
  [L.checkHttp]: '/health',
  'com.docker.compose.project': 'lab',
};

test('a workshop-api instance: name, id, port, an HTTP check on loopback, and the Meta that says who registered it', () => {
  expect(registrationFromLabels({ ...WORKSHOP, [`${L.metaPrefix}name`]: 'b3' }, ID, '/lab-workshop-api-b3-1')).toEqual({
    ok: true,
    registration: {
      name: 'workshop',
      id: 'workshop-b3',
      port: 8083,
      meta: { name: 'b3', 'registered-by': 'registrator', container: '0123456789ab' },
      check: {
        name: 'workshop-b3 (registrator)',
        http: 'http://127.0.0.1:8083/health',
        interval: '1s',
        timeout: '1s',
        deregistercriticalserviceafter: '1m',
      },
    },
  });
});

test('a TCP check, durations as Consul writes them, and the default ID from the container name', () => {
  const r = registrationFromLabels(
    { [L.name]: 'demo', [L.port]: '9000', [L.checkTcp]: 'true', [L.checkInterval]: '1500ms', [L.checkTimeout]: '2' },
    ID,
    '/lab-demo-1',
  );
  expect(r).toMatchObject({
    ok: true,
    registration: { id: 'demo-lab-demo-1', check: { tcp: '127.0.0.1:9000', interval: '1500ms', timeout: '2s' } },
  });
  if (r.ok) expect(r.registration.check.http).toBeUndefined();
});

test.each([
  [{ [L.name]: undefined }, /^lab\.service\.name: required/],
  [{ [L.name]: 'Workshop' }, /^lab\.service\.name: must match/],
  [{ [L.id]: '-x' }, /^lab\.service\.id: must match/],
  [{ [L.port]: '0' }, /^lab\.service\.port: must be a port number/],
  [{ [L.port]: '65536' }, /^lab\.service\.port: must be a port number/],
  [{ [L.port]: '80a' }, /^lab\.service\.port: must be a port number/],
  [{ [L.checkHttp]: 'health' }, /^lab\.service\.check\.http: must start with "\/"/],
  [{ [L.checkHttp]: '/../etc' }, /^lab\.service\.check\.http: must not contain "\.\."/],
  [{ [L.checkHttp]: '/a b' }, /^lab\.service\.check\.http: printable ASCII only/],
  [{ [L.checkHttp]: '/' + 'a'.repeat(200) }, /^lab\.service\.check\.http: at most 200/],
  [{ [L.checkHttp]: undefined }, /^lab\.service\.check\.http: exactly one of/],
  [{ [L.checkTcp]: 'true' }, /^lab\.service\.check\.http: exactly one of/],
  [{ [L.checkHttp]: undefined, [L.checkTcp]: 'yes' }, /^lab\.service\.check\.tcp: must be "true"/],
  [{ [L.checkInterval]: '500ms' }, /^lab\.service\.check\.interval: "500ms" is out of range/],
  [{ [L.checkInterval]: '11m' }, /^lab\.service\.check\.interval: "11m" is out of range/],
  [{ [L.checkTimeout]: 'soon' }, /^lab\.service\.check\.timeout: expected a duration/],
  [{ 'lab.service.check.htp': '/health' }, /^"lab\.service\.check\.htp": unknown label/],
  [{ [`${L.metaPrefix}Name`]: 'x' }, /^"lab\.service\.meta\.Name": the key must match/],
  [{ [`${L.metaPrefix}registered-by`]: 'hand' }, /^lab\.service\.meta\.registered-by: "registered-by" is the registrator's own/],
  [{ [`${L.metaPrefix}note`]: 'x'.repeat(257) }, /^lab\.service\.meta\.note: at most 256/],
  [{ [`${L.metaPrefix}note`]: 'a\u001b[31mred' }, /^lab\.service\.meta\.note: printable characters only/],
  [{ [`${L.metaPrefix}note`]: 'line\nbreak' }, /^lab\.service\.meta\.note: printable characters only/],
  [Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`${L.metaPrefix}k${i}`, 'v'])), /^at most 16 lab\.service\.meta\.\* labels/],
])('refused, naming the label: %o', (change, reason) => {
  const labels = Object.fromEntries(Object.entries({ ...WORKSHOP, ...change }).filter(([, v]) => v !== undefined)) as Record<
    string,
    string
  >;
  const r = registrationFromLabels(labels, ID, '/lab-workshop-api-b3-1');
  expect(r.ok).toBe(false);
  if (!r.ok) expect(r.reason).toMatch(reason);
});

test('a default ID that breaks the ID rule is refused, saying to set lab.service.id', () => {
  const { [L.id]: _, ...labels } = WORKSHOP;
  const r = registrationFromLabels(labels, ID, '/' + 'x'.repeat(100));
  expect(r).toMatchObject({ ok: false, reason: expect.stringMatching(/^lab\.service\.id: the default .* set it$/) });
});

// ---- properties ----------------------------------------------------------------------------------------------

const labelKey = fc.oneof(
  fc.constantFrom(...Object.values(L).filter((k) => k !== L.metaPrefix)),
  fc.string({ maxLength: 20 }).map((k) => L.metaPrefix + k),
  fc.string({ maxLength: 30 }),
);
const labelValue = fc.oneof(
  fc.string({ maxLength: 300 }),
  fc.integer({ min: -10, max: 70_000 }).map(String),
  fc.constantFrom('true', '/health', '1s', '10m', '500ms', 'workshop', '../x'),
);
const labelMaps = fc.dictionary(labelKey, labelValue, { maxKeys: 25 });

test('property: no label map makes it throw, and an accepted registration always has a valid name, id and port', () => {
  fc.assert(
    fc.property(labelMaps, fc.string({ maxLength: 80 }), (labels, name) => {
      const r = registrationFromLabels(labels, ID, name);
      if (!r.ok) {
        expect(typeof r.reason).toBe('string');
        return;
      }
      expect(r.registration.name).toMatch(SERVICE_NAME);
      expect(r.registration.id).toMatch(SERVICE_ID);
      expect(Number.isInteger(r.registration.port)).toBe(true);
      expect(r.registration.port).toBeGreaterThanOrEqual(1);
      expect(r.registration.port).toBeLessThanOrEqual(65535);
      expect(r.registration.meta['registered-by']).toBe('registrator');
    }),
    { numRuns: 500 },
  );
});

test('property: a Meta value with a control character is always refused', () => {
  const control = fc
    .integer({ min: 0, max: 0x9f })
    .filter((c) => c < 0x20 || c >= 0x7f)
    .map((c) => String.fromCharCode(c));
  fc.assert(
    fc.property(fc.string({ maxLength: 50 }), control, fc.string({ maxLength: 50 }), (a, c, b) => {
      const r = registrationFromLabels({ ...WORKSHOP, [`${L.metaPrefix}note`]: a + c + b }, ID, 'x');
      expect(r.ok).toBe(false);
    }),
  );
});
