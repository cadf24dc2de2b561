import net from 'node:net';
import { fromAllowed, startViewForward } from './viewForward';

test('only the allowed source address counts, IPv4-mapped or not', () => {
  expect(fromAllowed('10.213.80.1', '10.213.80.1')).toBe(true);
  expect(fromAllowed('::ffff:10.213.80.1', '10.213.80.1')).toBe(true);
  expect(fromAllowed('10.213.80.101', '10.213.80.1')).toBe(false);
  expect(fromAllowed(undefined, '10.213.80.1')).toBe(false);
});

/** Connect to 127.0.0.1:port, send `line`, and collect what comes back until the other side closes. */
function exchange(port: number, line: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port }, () => s.end(line));
    let got = '';
    s.on('data', (d: Buffer) => (got += d.toString()));
    s.on('close', () => resolve(got));
    s.on('error', reject);
  });
}

async function listening(server: net.Server): Promise<number> {
  await new Promise<void>((r) => (server.listening ? r() : server.once('listening', () => r())));
  return (server.address() as net.AddressInfo).port;
}

test('forwards the allowed source to the loopback target, and closes on anyone else before a byte reaches it', async () => {
  const seen: string[] = [];
  const target = net.createServer((c) => c.on('data', (d: Buffer) => (seen.push(d.toString()), c.end(`echo ${d.toString()}`))));
  target.listen(0, '127.0.0.1');
  const targetPort = await listening(target);
  const allowed = startViewForward('127.0.0.1', 0, targetPort, '127.0.0.1');
  const refused = startViewForward('127.0.0.1', 0, targetPort, '10.213.80.1');
  try {
    expect(await exchange(await listening(allowed), 'hello')).toBe('echo hello');
    expect(await exchange(await listening(refused), 'sneaky')).toBe('');
    expect(seen).toEqual(['hello']);
  } finally {
    for (const s of [allowed, refused, target]) s.close();
  }
});
