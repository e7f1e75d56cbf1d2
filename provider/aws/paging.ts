/** Calls a KMS list operation page by page (Marker / NextMarker / Truncated) and joins the items. */
export async function allPages<T>(
  fetch: (marker: string | undefined) => Promise<{ items?: T[]; truncated?: boolean; nextMarker?: string }>,
): Promise<T[]> {
  const items: T[] = [];
  let marker: string | undefined;
  do {
    const page = await fetch(marker);
    items.push(...(page.items ?? []));
    marker = page.truncated ? page.nextMarker : undefined;
  } while (marker);
  return items;
}
