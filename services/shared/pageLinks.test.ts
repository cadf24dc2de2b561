import { pageLinksAvatar, parsePageAvatarLinks } from './pageLinks';

describe('parsePageAvatarLinks', () => {
  it('every /avatars/<ID> link, decoded, unique, in page order', () => {
    expect(
      parsePageAvatarLinks(
        '<img src="/avatars/workshop-api-a1"><a href="/avatars/workshop-%C3%A9?x=1"><img src="/avatars/workshop-api-a1">',
      ),
    ).toEqual(['workshop-api-a1', 'workshop-é']);
  });
  it('keeps a malformed %-escape as written', () => {
    expect(parsePageAvatarLinks('<img src="/avatars/workshop-%E0%A4%A">')).toEqual(['workshop-%E0%A4%A']);
  });
  it('the empty-state page: []', () => {
    expect(parsePageAvatarLinks('<p class="empty" id="empty-state">No healthy workshop instances right now.</p>')).toEqual([]);
  });
});

describe('pageLinksAvatar', () => {
  it('matches the exact service ID only (workshop-alice is not workshop-alice2)', () => {
    const page = '<img src="/avatars/workshop-alice2"><img src="/avatars/workshop-bob">';
    expect(pageLinksAvatar(page, 'workshop-alice')).toBe(false);
    expect(pageLinksAvatar(page, 'workshop-alice2')).toBe(true);
    expect(pageLinksAvatar("<img src='/avatars/workshop-alice'>", 'workshop-alice')).toBe(true);
  });
});
