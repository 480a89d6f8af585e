import { dump } from 'js-yaml';
import { writePrivateFile } from '../tls/private-file.ts';

export const CONTEXT_NAME = 'vmsnap-local';

export interface KubeconfigParams {
  /** https://host:port */
  server: string;
  caCertPem: string;
  token: string;
}

/**
 * A kubeconfig that kubectl and @kubernetes/client-node accept without any insecure flag: the CA is embedded
 * (certificate-authority-data), the user authenticates with the bearer token.
 */
export function renderKubeconfig({ server, caCertPem, token }: KubeconfigParams): string {
  return dump({
    apiVersion: 'v1',
    kind: 'Config',
    preferences: {},
    clusters: [
      {
        name: CONTEXT_NAME,
        cluster: { server, 'certificate-authority-data': Buffer.from(caCertPem, 'utf8').toString('base64') },
      },
    ],
    users: [{ name: CONTEXT_NAME, user: { token } }],
    contexts: [
      { name: CONTEXT_NAME, context: { cluster: CONTEXT_NAME, user: CONTEXT_NAME, namespace: 'default' } },
    ],
    'current-context': CONTEXT_NAME,
  });
}

/** Writes the kubeconfig (mode 0600: it holds the token). Rewritten on every start because the port may change. */
export async function writeKubeconfig(path: string, params: KubeconfigParams): Promise<void> {
  await writePrivateFile(path, renderKubeconfig(params));
}

/** The URL clients use; IPv6 literals need brackets. */
export function serverUrl(host: string, port: number): string {
  return host.includes(':') ? `https://[${host}]:${port}` : `https://${host}:${port}`;
}
