import { restoreCommand, restoreHint } from './restoreHint';

describe('restore command', () => {
  it('adds -p only for a non-default project', () => {
    expect(restoreCommand('consul-lab', 'api-1')).toBe('npm run lab:restore-api -- api-1');
    expect(restoreCommand('consul-lab')).toBe('npm run lab:restore-api');
    expect(restoreHint('lab-scripts', 'api-1')).toBe('bring it back with `npm run lab:restore-api -- -p lab-scripts api-1`');
  });
});
