import { Readable } from 'node:stream';
import { parseEvents, workloadFilters } from './dockerSide';

async function all<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

test("Docker's event lines, split anywhere, become events; what is not a container event is skipped", async () => {
  const die = JSON.stringify({
    Type: 'container',
    Action: 'die',
    Actor: { ID: 'abc', Attributes: { name: 'w1', exitCode: '137', 'lab.service.name': 'workshop', n: 5 } },
    time: 1765101600,
    timeNano: 1765101600123456000,
  });
  const text = `${die}\nnot json\n${JSON.stringify({ Type: 'network', Action: 'connect', Actor: { ID: 'n' } })}\n\n`;
  const events = await all(parseEvents(Readable.from([text.slice(0, 17), text.slice(17, 90), text.slice(90)])));
  expect(events).toHaveLength(1);
  expect(events[0]).toMatchObject({
    action: 'die',
    id: 'abc',
    attributes: { name: 'w1', exitCode: '137', 'lab.service.name': 'workshop' },
  });
  expect(events[0]!.attributes.n).toBeUndefined();
  expect(Math.round(events[0]!.atMs)).toBe(1765101600123);
});

test('the filters name both labels: host and project', () => {
  expect(workloadFilters('host-b', 'lab')).toEqual({ label: ['lab.registrator=host-b', 'com.docker.compose.project=lab'] });
});
