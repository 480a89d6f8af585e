import type { CreateSnapshotRequest, HypervisorDriver } from '../../../src/drivers/port.ts';

/** The driver, with every createSnapshot request pushed to `requests` before it is passed on. */
export function recordingCreates(
  driver: HypervisorDriver,
  requests: CreateSnapshotRequest[],
): HypervisorDriver {
  return new Proxy(driver, {
    get(target, property) {
      if (property === 'createSnapshot') {
        return (domain: string, request: CreateSnapshotRequest) => {
          requests.push(request);
          return target.createSnapshot(domain, request);
        };
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
