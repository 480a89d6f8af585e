import { SimHypervisor } from '../../src/drivers/sim/index.ts';
import { type ConformanceEnv, driverConformance } from './conformance.ts';

driverConformance('sim', async (): Promise<ConformanceEnv> => {
  const host = new SimHypervisor({ name: 'conformance' });
  let counter = 0;
  return {
    driver: host.driver(),
    async newDomain({ phase, diskFormat }) {
      counter += 1;
      const d = host.defineDomain({ name: `sim-${counter}`, phase, ...(diskFormat ? { diskFormat } : {}) });
      return { name: d.name, uuid: d.uuid };
    },
    async foreignSnapshot(domain, name, description) {
      host.createForeignSnapshot(domain, name, description);
    },
    async interruptSnapshot(domain, name) {
      host.injectFault('afterImageWriteBeforeMetadata', { domain });
      await host
        .driver()
        .createSnapshot(domain, {
          name,
          owner: { uid: `uid-${name}`, namespace: 'prod', name },
          description: '',
          memory: true,
          quiesce: false,
        })
        .then(
          () => {
            throw new Error('the injected crash did not trip');
          },
          () => undefined,
        );
    },
    pausedReasonAfterInterrupt: 'Saving',
    async removeFromImage(domain, name) {
      host.domain(domain).image.delete(name);
    },
    async writeDiskPattern(domain, pattern) {
      host.domain(domain).disk = `pattern-${pattern}`;
    },
    async diskHasPattern(domain, pattern) {
      return host.domain(domain).disk === `pattern-${pattern}`;
    },
    async dispose() {},
  };
});
