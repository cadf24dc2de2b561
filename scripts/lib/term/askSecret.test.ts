import { PassThrough } from 'node:stream';
import { askSecret } from './askSecret';

/** A terminal stand-in: raw mode switchable, what is typed fed as data, what is written collected. */
function fakeTty(isTTY = true) {
  const input = new PassThrough() as unknown as NodeJS.ReadStream & { modes: boolean[] };
  input.isTTY = isTTY;
  input.modes = [];
  input.setRawMode = (mode: boolean) => {
    input.modes.push(mode);
    return input;
  };
  const written: string[] = [];
  const output = { write: (s: string) => written.push(s) } as unknown as NodeJS.WriteStream;
  return { input, output, written };
}

test('reads what is typed up to Enter, never echoing it; backspace works; raw mode is put back', async () => {
  const t = fakeTty();
  const answer = askSecret('Token: ', t);
  (t.input as unknown as PassThrough).write('ghp_secrex\u007ft\r');
  await expect(answer).resolves.toBe('ghp_secret');
  expect(t.written.join('')).toBe('Token: \n');
  expect(t.input.modes).toEqual([true, false]);
});

test('Ctrl-C cancels; no terminal is a usage error saying to use the env var', async () => {
  const t = fakeTty();
  const answer = askSecret('Token: ', t);
  (t.input as unknown as PassThrough).write('abc\u0003');
  await expect(answer).rejects.toThrow('cancelled');
  await expect(askSecret('Token: ', fakeTty(false))).rejects.toThrow(/needs a terminal.*LAB_GITHUB_TOKEN/);
});
