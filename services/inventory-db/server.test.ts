import net from 'node:net';
import { createInventoryServer, listen } from './server';

/** Lines from a real TCP connection on loopback. */
function talk(port: number, lines: string[]): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let got = '';
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => (got += d));
    socket.on('error', reject);
    socket.on('close', () => resolve(got.split('\n').filter((l) => l !== '')));
    socket.write(lines.map((l) => `${l}\n`).join(''));
  });
}

let server: net.Server;
let port: number;
beforeEach(async () => {
  server = createInventoryServer({ port: 0, bind: '127.0.0.1' });
  await listen(server, 0, '127.0.0.1');
  port = (server.address() as net.AddressInfo).port;
});
afterEach(() => new Promise<void>((resolve) => server.close(() => resolve())));

test('a client sets and gets over TCP; the store is shared between connections', async () => {
  expect(await talk(port, ['PING', 'SET a 1', 'QUIT'])).toEqual(['PONG', 'OK', 'BYE']);
  expect(await talk(port, ['GET a', 'QUIT'])).toEqual(['1', 'BYE']);
});

test('a line that never ends is answered once and the connection closed', async () => {
  const got = await new Promise<string>((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => (text += d));
    socket.on('error', reject);
    socket.on('close', () => resolve(text));
    socket.write('x'.repeat(3000)); // no newline, ever
  });
  expect(got).toBe('ERR line longer than 1024 characters\n');
});

test('a taken port is one line naming it', async () => {
  await expect(listen(createInventoryServer({ port, bind: '127.0.0.1' }), port, '127.0.0.1')).rejects.toThrow(
    `cannot listen on 127.0.0.1:${port}: address already in use`,
  );
});
