// Builds a HypervisorDriver from a Hypervisor's connection (spec.driver, spec.uri, resolved credentials).
// The sim driver is a test double: it is only available when the caller hands in the simulated hosts, so a
// production operator cannot end up talking to a simulation by a typo in spec.driver.

import { DriverError } from './errors.ts';
import { LibvirtDriver } from './libvirt/libvirt-driver.ts';
import type { DriverConnection, DriverContext, DriverFactory, HypervisorDriver } from './port.ts';
import type { SimHypervisor } from './sim/sim-hypervisor.ts';
import { createVsphereDriver } from './vsphere/connection.ts';

export interface DriverFactoryOptions {
  /** Simulated hosts by name; `sim://NAME` URIs resolve here. Absent: the sim driver is unavailable. */
  simHosts?: ReadonlyMap<string, SimHypervisor>;
  /** Extra drivers by spec.driver name (e.g. vsphere), checked before the built-in ones. */
  extra?: Readonly<Record<string, DriverFactory>>;
}

export function createDriverFactory(options: DriverFactoryOptions = {}): DriverFactory {
  return (connection: DriverConnection, context: DriverContext = {}): HypervisorDriver => {
    const extra = options.extra?.[connection.driver];
    if (extra) return extra(connection, context);
    switch (connection.driver) {
      case 'libvirt':
        return new LibvirtDriver({
          uri: connection.uri,
          ...(connection.credentials ? { credentials: connection.credentials } : {}),
        });
      case 'sim':
        return simDriver(connection.uri, options.simHosts);
      case 'vsphere':
        return createVsphereDriver(connection, context);
      default:
        throw new DriverError('Unsupported', `no driver named '${connection.driver}' in this build`, {
          retryable: false,
        });
    }
  };
}

function simDriver(uri: string, hosts: ReadonlyMap<string, SimHypervisor> | undefined): HypervisorDriver {
  const match = /^sim:\/\/([^/?#]+)\/?$/.exec(uri);
  if (!match?.[1]) {
    throw new DriverError('DriverFailure', `invalid sim URI '${uri}' (expected sim://HOST)`, {
      retryable: false,
    });
  }
  const host = hosts?.get(match[1]);
  if (!host) {
    throw new DriverError('HypervisorUnreachable', `no simulated hypervisor named '${match[1]}'`, {
      retryable: true,
    });
  }
  return host.driver();
}
