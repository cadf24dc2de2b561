import { formatHostPort, parseConsulHttpAddr, parseHostPort, parsePort } from './consulAddress';
import { UsageError } from './errors';

describe('parseConsulHttpAddr', () => {
  test.each([
    ['127.0.0.1:8500', { host: '127.0.0.1', port: 8500, secure: false }],
    ['http://consul-agent:8500', { host: 'consul-agent', port: 8500, secure: false }],
    ['https://consul.example:8501/', { host: 'consul.example', port: 8501, secure: true }],
    ['localhost', { host: 'localhost', port: 8500, secure: false }],
    ['[::1]:8500', { host: '::1', port: 8500, secure: false }],
  ])('%s', (input, expected) => {
    expect(parseConsulHttpAddr(input)).toEqual(expected);
  });

  test.each(['', 'ftp://x:1', 'http://x:1/v1', 'x:0', 'x:99999', 'x:abc', 'bad host:1', 'a:b:c'])('rejects %j with a UsageError naming the variable', (input) => {
    expect(() => parseConsulHttpAddr(input)).toThrow(UsageError);
    expect(() => parseConsulHttpAddr(input)).toThrow(/CONSUL_HTTP_ADDR/);
  });
});

test('parseHostPort uses the default port and names what is wrong', () => {
  expect(parseHostPort('10.0.0.1', 'CONSUL_DNS_ADDR', 8600)).toEqual({ host: '10.0.0.1', port: 8600 });
  expect(() => parseHostPort('10.0.0.1:x', 'CONSUL_DNS_ADDR', 8600)).toThrow(/CONSUL_DNS_ADDR.*port/);
});

test('parsePort bounds', () => {
  expect(parsePort('1', 'p')).toBe(1);
  expect(parsePort(65535, 'p')).toBe(65535);
  expect(() => parsePort('65536', 'p')).toThrow(/1-65535/);
  expect(() => parsePort('1.5', 'p')).toThrow(UsageError);
});

test('formatHostPort brackets IPv6', () => {
  expect(formatHostPort({ host: '::1', port: 1 })).toBe('[::1]:1');
  expect(formatHostPort({ host: 'a', port: 2 })).toBe('a:2');
});
