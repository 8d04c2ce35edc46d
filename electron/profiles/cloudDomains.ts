// The PostgreSQL domains a profile on a custom cloud file is validated against: the file's
// `postgresDomains`, from the store's `customCloudDomains` option. Looking them up may read files,
// so it happens before validation (outside the store lock for imports), once per cloud file.
export type CustomCloudDomains = (customFile: string) => readonly string[] | undefined | Promise<readonly string[] | undefined>;

/** What validateProfileInput takes for a profile's custom cloud: `{ customDomains }` or nothing. */
export type DomainsFor = (src: unknown) => { customDomains?: readonly string[] };

/** The custom cloud file a raw or saved profile names, if any. */
export function customFileOf(src: unknown): string | undefined {
  if (!src || typeof src !== 'object') return undefined;
  const cloud = (src as { cloud?: unknown }).cloud;
  if (!cloud || typeof cloud !== 'object') return undefined;
  const f = (cloud as { customFile?: unknown }).customFile;
  return typeof f === 'string' ? f : undefined;
}

/** The domains of the custom cloud a raw or saved profile names (undefined: built-in cloud, no lookup, or unknown). */
export async function resolveDomains(src: unknown, lookup: CustomCloudDomains | undefined): Promise<readonly string[] | undefined> {
  const file = customFileOf(src);
  return file !== undefined && lookup ? await lookup(file) : undefined;
}

/** Looks up the domains of every custom cloud file the sources name (normally none), each file once. */
export async function domainsForAll(sources: readonly unknown[], lookup: CustomCloudDomains | undefined): Promise<DomainsFor> {
  const files = new Set<string>();
  for (const src of sources) {
    const f = customFileOf(src);
    if (f !== undefined) files.add(f);
  }
  const byFile = new Map<string, readonly string[]>();
  for (const f of files) {
    const d = await resolveDomains({ cloud: { customFile: f } }, lookup);
    if (d) byFile.set(f, d);
  }
  return (src) => {
    const f = customFileOf(src);
    const d = f === undefined ? undefined : byFile.get(f);
    return d ? { customDomains: d } : {};
  };
}
