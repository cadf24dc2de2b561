import { WORKSHOP_SERVICE_NAME, defaultNameFromHostname, workshopServiceId } from './names';

test('the default name: api- and the first 6 of the hostname, lower-case letters and digits only', () => {
  expect(defaultNameFromHostname('My_Laptop.local')).toBe('api-mylapt');
  expect(defaultNameFromHostname('3f2a9c1b7d0e')).toBe('api-3f2a9c');
  expect(defaultNameFromHostname('__')).toBe('api-local');
});

test('the Consul service ID is workshop-<name>', () => {
  expect(WORKSHOP_SERVICE_NAME).toBe('workshop');
  expect(workshopServiceId('alice')).toBe('workshop-alice');
});
