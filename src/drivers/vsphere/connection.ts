// A Hypervisor resource's connection (spec.driver: vsphere, spec.uri, the Secret's data) as driver options.

import { DriverError } from '../errors.ts';
import type { DriverConnection, DriverContext, HypervisorDriver } from '../port.ts';
import { VsphereDriver, type VsphereDriverOptions } from './vsphere-driver.ts';

/** The Secret keys the vSphere driver reads. */
export const VSPHERE_CREDENTIAL_KEYS = { username: 'username', password: 'password', ca: 'ca.crt' } as const;

export function vsphereOptionsFrom(connection: DriverConnection): VsphereDriverOptions {
  const credentials = connection.credentials ?? {};
  const username = credentials[VSPHERE_CREDENTIAL_KEYS.username];
  const password = credentials[VSPHERE_CREDENTIAL_KEYS.password];
  const missing = [
    username ? undefined : VSPHERE_CREDENTIAL_KEYS.username,
    password ? undefined : VSPHERE_CREDENTIAL_KEYS.password,
  ].filter((k) => k !== undefined);
  if (!username || !password) {
    throw new DriverError(
      'AuthenticationFailed',
      `vsphere ${connection.uri}: the credentials Secret lacks ${missing.join(' and ')} (keys: username, password, optional ca.crt)`,
      { retryable: false },
    );
  }
  const ca = credentials[VSPHERE_CREDENTIAL_KEYS.ca];
  return {
    url: connection.uri,
    username,
    password,
    ...(ca ? { ca } : {}),
    ...(connection.insecureSkipTLSVerify ? { insecure: true } : {}),
  };
}

export function createVsphereDriver(
  connection: DriverConnection,
  context: DriverContext = {},
): HypervisorDriver {
  const journal = context.snapshotTaskJournal;
  return new VsphereDriver({
    ...vsphereOptionsFrom(connection),
    ...(journal ? { taskJournal: journal } : {}),
  });
}
