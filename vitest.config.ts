import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Integration suites start real servers, libvirt domains and kubectl processes.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Two cores: more parallel files only make libvirt/QEMU (TCG) slower and flakier.
    maxWorkers: 2,
  },
});
