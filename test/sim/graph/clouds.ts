// Which Microsoft Graph a request came to, by its Host: the public, US Government or China cloud
// (public-cloud mode), or the localhost simulator (a custom cloud whose graphEndpoint is
// https://localhost:PORT). Each accepts its own token audiences, plus Graph's app id: Entra writes
// the resource as the client named it (`https://graph.microsoft.com/…` or a bare `User.Read`).

/** Microsoft Graph's app id (a token for a bare permission name has it as `aud`). */
export const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';

/** Graph's host names in the three built-in clouds. */
export const GRAPH_HOSTS = ['graph.microsoft.com', 'graph.microsoft.us', 'microsoftgraph.chinacloudapi.cn'] as const;

const both = (uri: string): string[] => [uri, `${uri}/`];

/** The audiences Graph at `origin` accepts, exactly as the `aud` claim must read. */
export function graphAudiences(origin: string): string[] {
  const host = new URL(origin).host.toLowerCase();
  const own = (GRAPH_HOSTS as readonly string[]).includes(host) ? `https://${host}` : origin.replace(/\/+$/, '');
  // The localhost simulator stands in for the public cloud: its own origin and public Graph's names.
  const publicToo = own === `https://${GRAPH_HOSTS[0]}` || (GRAPH_HOSTS as readonly string[]).includes(host) ? [] : both(`https://${GRAPH_HOSTS[0]}`);
  return [...both(own), ...publicToo, GRAPH_APP_ID];
}
