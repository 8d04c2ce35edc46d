// The checks pgAdmin 4's loader (`setup.py load-servers`, File → Import Servers:
// web/pgadmin/utils/__init__.py _validate_servers_data) applies to a servers.json, mirrored so
// our export is tested against the same rules. Returns pgAdmin's first error, like it does.
function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function pgadminLoaderError(data: unknown): string | undefined {
  if (!isRecord(data) || !('Servers' in data)) return "'Servers' attribute not found in the specified file.";
  const servers = data.Servers;
  if (!isRecord(servers)) return "'Servers' is not an object";
  for (const [key, obj] of Object.entries(servers)) {
    if (!isRecord(obj)) return `server '${key}' is not an object`;
    const has = (a: string): boolean => a in obj;
    for (const a of ['Group', 'Name']) if (!has(a)) return `'${a}' attribute not found for server '${key}'`;
    const service = obj.Service !== undefined && obj.Service !== null;
    if (!service) {
      for (const a of ['Port', 'Username']) {
        if (!has(a)) return `'${a}' attribute not found for server '${key}'`;
        // Python: isinstance(value, int) (True counts too; JSON has no other ints).
        if (a === 'Port' && !(Number.isInteger(obj.Port) || typeof obj.Port === 'boolean')) return `Port must be integer for server '${key}'`;
      }
    }
    if (!has('MaintenanceDB')) return `'MaintenanceDB' attribute not found for server '${key}'`;
    if (!has('Host') && !service) return `'Host' or 'Service' attribute not found for server '${key}'`;
    // Read later by the loader with the types the model needs.
    if ('PasswordExecExpiration' in obj && obj.PasswordExecExpiration !== null && !Number.isInteger(obj.PasswordExecExpiration)) return `PasswordExecExpiration must be integer for server '${key}'`;
    if ('ConnectionParameters' in obj && !isRecord(obj.ConnectionParameters)) return `ConnectionParameters must be an object for server '${key}'`;
  }
  return undefined;
}
