import { parseArgs } from 'node:util';
import type { Logger } from 'pino';
import { demoAddon, demoCleanupAddon } from '../demo/demo-addon.ts';
import { checkLibvirt } from '../operator/libvirt-check.ts';
import { LOCAL_HYPERVISOR } from '../operator/local-addon.ts';
import { localAddons } from './addons.ts';
import { runLocal } from './local.ts';
import { type LocalOptions, parseLocalOptions, UsageError } from './local-options.ts';

export const DEMO_USAGE = `Usage: vmsnap demo [flags]

From nothing to a real VM snapshot on this machine: runs what 'vmsnap local' runs (the control plane and the
operator), defines and starts a tiny VM on the local libvirt (64 MiB, no OS), applies examples/ (the Hypervisor
'local', the VirtualMachine 'web-1' bound to the VM, the memory VMSnapshot 'before-upgrade'), waits until the
snapshot is Ready and shows 'kubectl get vmsnapshots'. Then keeps serving until Ctrl-C, so kubectl can be used.
Safe to run again: what exists is reused.

Flags:
  --port <n>        HTTPS port (default 6443; 0 picks a free port)
  --data-dir <dir>  vmsnap's data directory (default ./.vmsnap)
  --domain <name>   name of the demo VM on libvirt (default vmsnap-demo)
  --cleanup         delete the demo's VMSnapshot and VirtualMachine, then the demo VM and its disk, and exit
  --log-level <l>   fatal, error, warn, info, debug, trace or silent (default $VMSNAP_LOG_LEVEL, else warn)
  -h, --help        show this help
`;

export interface DemoCliOptions {
  local: LocalOptions;
  domain: string;
  cleanup: boolean;
}

const DOMAIN_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Parses `vmsnap demo` flags; throws UsageError naming the offending flag and value. */
export function parseDemoOptions(args: readonly string[]): DemoCliOptions | 'help' {
  let values: {
    port?: string;
    'data-dir'?: string;
    domain?: string;
    cleanup?: boolean;
    'log-level'?: string;
    help?: boolean;
  };
  try {
    ({ values } = parseArgs({
      args: [...args],
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: 'string' },
        'data-dir': { type: 'string' },
        domain: { type: 'string' },
        cleanup: { type: 'boolean' },
        'log-level': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) return 'help';
  const domain = values.domain ?? 'vmsnap-demo';
  if (!DOMAIN_NAME.test(domain)) {
    throw new UsageError(`--domain ${JSON.stringify(domain)}: use 1-64 characters of A-Z a-z 0-9 . _ -`);
  }
  const localArgs = [
    ...(values.port !== undefined ? ['--port', values.port] : []),
    ...(values['data-dir'] !== undefined ? ['--data-dir', values['data-dir']] : []),
    ...(values['log-level'] !== undefined ? ['--log-level', values['log-level']] : []),
  ];
  const local = parseLocalOptions(localArgs);
  if (local === 'help') return 'help';
  return { local, domain, cleanup: values.cleanup ?? false };
}

/**
 * Runs the demo (or its cleanup). Fails before starting anything, with what to install or start, when libvirt
 * does not answer: the demo is pointless without it.
 */
export async function runDemo(
  options: DemoCliOptions,
  deps: { logger: Logger; print(line: string): void; shutdownRequested: Promise<string> },
): Promise<void> {
  const libvirt = await checkLibvirt(LOCAL_HYPERVISOR.uri);
  if (!libvirt.ok) throw new Error(libvirt.advice);
  const domain = { name: options.domain, uri: LOCAL_HYPERVISOR.uri, print: deps.print };
  if (options.cleanup) {
    let done!: () => void;
    const finished = new Promise<string>((resolve) => {
      done = () => resolve('cleanup finished');
    });
    await runLocal(options.local, {
      addons: [...localAddons, demoCleanupAddon({ ...domain, done })],
      logger: deps.logger,
      print: () => {},
      shutdownRequested: Promise.race([finished, deps.shutdownRequested]),
    });
    return;
  }
  await runLocal(options.local, {
    addons: [...localAddons, demoAddon(domain)],
    logger: deps.logger,
    print: deps.print,
    shutdownRequested: deps.shutdownRequested,
  });
}
