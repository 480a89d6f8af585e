import { pino } from 'pino';
import {
  type ControlPlane,
  type ControlPlaneOptions,
  startControlPlane,
} from '../../src/apiserver/server.ts';
import { makeTempDir, removeTempDir } from './temp-dir.ts';

export interface TestControlPlane extends ControlPlane {
  dataDir: string;
  /** close() and, when the helper created the data dir, remove it. */
  stop(): Promise<void>;
}

export interface TestControlPlaneOptions extends Partial<Omit<ControlPlaneOptions, 'port' | 'host'>> {
  /** Log to stderr at this level (default: silent, set VMSNAP_TEST_LOG=debug to see server logs). */
  logLevel?: string;
}

/**
 * A real control plane on 127.0.0.1 and a free port. Pass `dataDir` to reuse a directory (restart tests); it is
 * then left in place by stop(), otherwise a temp dir is created and removed.
 */
export async function startTestControlPlane(
  options: TestControlPlaneOptions = {},
): Promise<TestControlPlane> {
  const ownsDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? (await makeTempDir('cp'));
  const level = options.logLevel ?? process.env.VMSNAP_TEST_LOG ?? 'silent';
  const controlPlane = await startControlPlane({
    ...options,
    dataDir,
    host: '127.0.0.1',
    port: 0,
    logger: options.logger ?? pino({ level }, pino.destination(2)),
  });
  return {
    ...controlPlane,
    dataDir,
    async stop() {
      await controlPlane.close();
      if (ownsDir) await removeTempDir(dataDir);
    },
  };
}
