import { pageHasInstance, parsePageInstances, parseUpstreamServers } from './parseNginx';

// The shape nginx/templates/index.html.ctmpl renders.
const page = `<!doctype html><html><body><h1>Workshop API instances</h1>
<ul class="tiles" data-count="2">
<li class="tile" data-id="workshop-api-1a2b3c">
  <img src="/avatars/workshop-api-1a2b3c" alt="avatar of api-1a2b3c">
  <span class="name">api-1a2b3c</span>
</li>
<li class="tile" data-id="workshop-api-9f8e7d">
  <img src="/avatars/workshop-api-9f8e7d" alt="avatar of api-9f8e7d">
</li>
</ul></body></html>`;

describe('parsePageInstances', () => {
  it('reads one id per tile, in page order, ignoring data-count', () => {
    expect(parsePageInstances(page)).toEqual(['workshop-api-1a2b3c', 'workshop-api-9f8e7d']);
  });
  it('falls back to /avatars/<id> links', () => {
    expect(parsePageInstances('<img src="/avatars/workshop-x"><img src="/avatars/workshop-x">')).toEqual(['workshop-x']);
  });
  it('finds nothing on the empty-state page', () => {
    expect(parsePageInstances('<p class="empty" id="empty-state">No healthy workshop instances right now.</p>')).toEqual([]);
  });
});

describe('pageHasInstance', () => {
  it('matches by Consul ID or display name', () => {
    const ids = parsePageInstances(page);
    expect(pageHasInstance(ids, 'api-1a2b3c', 'workshop-api-1a2b3c')).toBe(true);
    expect(pageHasInstance(['api-1a2b3c'], 'api-1a2b3c', 'workshop-api-1a2b3c')).toBe(true);
    expect(pageHasInstance(ids, 'api-000000', 'workshop-api-000000')).toBe(false);
  });
});

describe('parseUpstreamServers', () => {
  const conf = `# Rendered by consul-template
upstream workshop {
    # workshop-api-1a2b3c on node consul-agent
    server 10.213.50.130:8080 max_fails=1 fail_timeout=2s;
    # workshop-api-9f8e7d on node consul-agent
    server 10.213.50.131:8080 max_fails=1 fail_timeout=2s;
    server 10.213.50.132:8080 down;
}
upstream other { server 10.0.0.9:1; }`;

  it('lists the live servers of the named upstream', () => {
    expect(parseUpstreamServers(conf, 'workshop')).toEqual(['10.213.50.130:8080', '10.213.50.131:8080']);
    expect(parseUpstreamServers(conf)).toEqual(['10.213.50.130:8080', '10.213.50.131:8080', '10.0.0.9:1']);
  });
  it('is empty when no instance passes (no upstream block rendered)', () => {
    expect(parseUpstreamServers('# No passing instance: no upstream block at all', 'workshop')).toEqual([]);
  });
});
