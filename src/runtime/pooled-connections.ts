import {
  type Configuration,
  createConfiguration,
  type KubeConfig,
  type RequestContext,
  type SecurityAuthentication,
  ServerConfiguration,
  setHeaderMiddleware,
} from '@kubernetes/client-node';

/**
 * A client-node API configuration that reuses one connection pool for every request.
 *
 * client-node 2.0.1's KubeConfig.applySecurityAuthentication builds a new undici Agent for EVERY request, so each
 * call opened a new TLS connection: a handshake, a fresh SecureContext from the CA bytes and a certificate check,
 * on both sides. In the scale benchmark that was a fifth of the operator's CPU (CPU profile: SecureContext,
 * TLSSocket._start, getPeerCertificate). Here the KubeConfig still sets the headers of every request (a bearer
 * token file re-read, exec credentials), but the dispatcher it built for the first request is kept and handed
 * to every later one, so connections are kept alive and reused as client-go's transport cache does.
 *
 * The TLS settings (CA, client certificate) are those of the first request for the life of the client; a
 * process that must follow a rotated client certificate builds a new client (as a restart does).
 */
export function pooledApiConfiguration(kubeConfig: KubeConfig): Configuration {
  const cluster = kubeConfig.getCurrentCluster();
  if (!cluster) throw new Error('KubeConfig has no current cluster (set current-context)');
  let dispatcher: Parameters<RequestContext['setDispatcher']>[0] | undefined;
  const auth: SecurityAuthentication = {
    getName: () => 'kubeconfig authentication, one connection pool',
    async applySecurityAuthentication(context: RequestContext): Promise<void> {
      await kubeConfig.applySecurityAuthentication(context);
      if (dispatcher === undefined) dispatcher = context.getDispatcher();
      else context.setDispatcher(dispatcher);
    },
  };
  return createConfiguration({
    baseServer: new ServerConfiguration(cluster.server, {}),
    authMethods: { default: auth },
    middleware: [setHeaderMiddleware('User-Agent', 'vmsnap (kubernetes-client-javascript)')],
  });
}
