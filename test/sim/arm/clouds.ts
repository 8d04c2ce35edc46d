// Which Resource Manager a request came to, by its Host: the public, US Government or China
// cloud (public-cloud mode), or the localhost simulator (a custom cloud whose management endpoint
// is https://localhost:PORT). Each accepts its own token audiences and names servers under its
// own PostgreSQL domain.

export interface ArmCloud {
  host: string;
  /** Audiences ARM accepts, exactly as the `aud` claim must read (with and without slash). */
  audiences: readonly string[];
  /** `<server>` + this = the server's fullyQualifiedDomainName. */
  postgresSuffix: string;
}

const both = (...uris: string[]): string[] => uris.flatMap((u) => [`${u}/`, u]);

export const ARM_CLOUDS: readonly ArmCloud[] = [
  { host: 'management.azure.com', audiences: both('https://management.core.windows.net', 'https://management.azure.com'), postgresSuffix: '.postgres.database.azure.com' },
  {
    host: 'management.usgovcloudapi.net',
    audiences: both('https://management.core.usgovcloudapi.net', 'https://management.usgovcloudapi.net'),
    postgresSuffix: '.postgres.database.usgovcloudapi.net',
  },
  { host: 'management.chinacloudapi.cn', audiences: both('https://management.core.chinacloudapi.cn', 'https://management.chinacloudapi.cn'), postgresSuffix: '.postgres.database.chinacloudapi.cn' },
];

/** Resource Manager's host names in the three built-in clouds. */
export const ARM_HOSTS = ARM_CLOUDS.map((c) => c.host);

const PUBLIC = ARM_CLOUDS[0] as ArmCloud;

/**
 * The cloud for a request's origin. The localhost simulator stands in for the public cloud: its
 * own origin is an audience too (the product asks for `<managementEndpoint>/.default`), and
 * server names are the public cloud's.
 */
export function armCloudOf(origin: string): ArmCloud {
  const host = new URL(origin).host.toLowerCase();
  const known = ARM_CLOUDS.find((c) => c.host === host);
  return known ?? { host, audiences: [...both(origin.replace(/\/+$/, '')), ...PUBLIC.audiences], postgresSuffix: PUBLIC.postgresSuffix };
}
