/*
 * The Nginx page's avatar links, read one way everywhere (lab:check's exercises, lab:roster, lab:join, the
 * scripts' page reads): each tile links its avatar as `/avatars/<service ID>`, URL-encoded. Pure, no imports.
 */

/** Every `/avatars/<ID>` the page links, decoded (a malformed %-escape as written), unique, in page order ([] for the empty-state page). */
export function parsePageAvatarLinks(html: string): string[] {
  const ids: string[] = [];
  for (const m of html.matchAll(/\/avatars\/([^"'?#/\s<>]+)/g)) {
    let id = m[1]!;
    try {
      id = decodeURIComponent(id);
    } catch {
      // a malformed %-escape: compare it as written
    }
    if (!ids.includes(id)) ids.push(id);
  }
  return ids;
}

/** Does the page link exactly this service ID's avatar (`workshop-alice` is not `workshop-alice2`)? */
export function pageLinksAvatar(html: string, serviceId: string): boolean {
  return parsePageAvatarLinks(html).includes(serviceId);
}
