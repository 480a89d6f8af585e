/**
 * `GET /version`. The kubectl dispatcher on this machine picks `kubectl.1.<minor>` from it, and minors 27-28 need
 * OpenAPI v2 (which this server does not serve): so the server reports the Kubernetes API level it mimics, 1.32.
 */
export function versionInfo(): object {
  return {
    major: '1',
    minor: '32',
    gitVersion: 'v1.32.0-vmsnap',
    gitCommit: '0000000000000000000000000000000000000000',
    gitTreeState: 'clean',
    buildDate: '2026-01-01T00:00:00Z',
    goVersion: `node${process.versions.node}`,
    compiler: 'node',
    platform: `${process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}`,
  };
}
