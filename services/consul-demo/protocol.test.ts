import { WORDS, decodeLine, isControlByte, isVersion, replyTo } from './protocol';

describe('replyTo', () => {
  test('v1 answers ping with pong, v2 answers syn with ack', () => {
    expect(replyTo('v1', 'ping')).toBe('pong');
    expect(replyTo('v2', 'syn')).toBe('ack');
  });
  test('the wrong word names the expected one', () => {
    expect(replyTo('v1', 'syn')).toBe('error: expected ping');
    expect(replyTo('v2', 'ping')).toBe('error: expected syn');
    expect(replyTo('v1', '')).toBe('error: expected ping');
    expect(replyTo('v1', 'PING')).toBe('error: expected ping');
  });
  test('a carriage return or surrounding blanks (telnet, nc -C) do not matter', () => {
    expect(replyTo('v1', 'ping\r')).toBe('pong');
    expect(replyTo('v2', '  syn \t')).toBe('ack');
  });
});

test('the words of both versions', () => {
  expect(WORDS).toEqual({ v1: { request: 'ping', reply: 'pong' }, v2: { request: 'syn', reply: 'ack' } });
  expect(isVersion('v1')).toBe(true);
  expect(isVersion('v3')).toBe(false);
});

test('control bytes other than tab/CR/LF are binary garbage', () => {
  expect(isControlByte(0x00)).toBe(true);
  expect(isControlByte(0x1b)).toBe(true);
  expect(isControlByte(0x7f)).toBe(true);
  expect(isControlByte(0x09)).toBe(false);
  expect(isControlByte(0x0d)).toBe(false);
  expect(isControlByte('a'.charCodeAt(0))).toBe(false);
  expect(isControlByte(0xc3)).toBe(false); // a UTF-8 lead byte is fine on its own
});

test('decodeLine accepts UTF-8 and rejects invalid sequences', () => {
  expect(decodeLine(Buffer.from('grüß dich'))).toBe('grüß dich');
  expect(decodeLine(Buffer.from([0xff, 0xfe, 0x70]))).toBeUndefined();
  expect(decodeLine(Buffer.from([0xc3]))).toBeUndefined(); // truncated sequence
});
