/** Every credentials file a dataops.yaml points at (connections and the API token). */
export function credentialFiles(config: { api?: { tokenFile?: string }; connections: Record<string, { credentials?: Record<string, string>; knownHosts?: string }> }): string[] {
  const files: string[] = [];
  if (config.api?.tokenFile) files.push(config.api.tokenFile);
  for (const connection of Object.values(config.connections)) {
    for (const [key, value] of Object.entries(connection.credentials ?? {})) if (/File$/.test(key)) files.push(value);
    if (connection.knownHosts) files.push(connection.knownHosts);
  }
  return files;
}
