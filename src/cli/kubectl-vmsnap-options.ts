import { parseArgs } from 'node:util';
import { UsageError } from './local-options.ts';

export const KUBECTL_VMSNAP_USAGE = `Usage: kubectl vmsnap tree VM [-n NAMESPACE] [--kubeconfig PATH] [--context NAME]

Prints the snapshot tree of VirtualMachine VM the way 'virsh snapshot-list --tree' does: every snapshot the
hypervisor has for the VM, named by its VMSnapshot where vmsnap took it, with the current one marked
'(current)', snapshots vmsnap did not take marked '[foreign]', and snapshots whose VMSnapshot was deleted
with deletionPolicy Retain marked '[retained: NAME]'. The tree is read from the VirtualMachine's
status.snapshots, which the operator refreshes when a snapshot operation on the VM ends and every 10 minutes.

Commands:
  tree VM              print the snapshot tree of VirtualMachine VM

Flags:
  -n, --namespace NS   the VM's namespace (default: the kubeconfig context's namespace, else "default")
  --kubeconfig PATH    the kubeconfig to use (default: $KUBECONFIG, else ~/.kube/config)
  --context NAME       the kubeconfig context to use (default: its current context)
  -h, --help           show this help
`;

export interface TreeOptions {
  command: 'tree';
  vm: string;
  namespace: string | undefined;
  kubeconfig: string | undefined;
  context: string | undefined;
}

/** Parses the plugin's arguments (what kubectl passes after `kubectl vmsnap`); 'help' for -h/--help. */
export function parseKubectlVmsnapArgs(argv: readonly string[]): TreeOptions | 'help' {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) return 'help';
  const [command, vm, ...extra] = positionals;
  if (command === undefined) throw new UsageError('a command is required: tree VM');
  if (command !== 'tree') throw new UsageError(`unknown command "${command}"; the command is: tree VM`);
  if (vm === undefined || vm === '') throw new UsageError('tree needs the VirtualMachine name: tree VM');
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
  for (const [flag, value] of [
    ['--namespace', values.namespace],
    ['--kubeconfig', values.kubeconfig],
    ['--context', values.context],
  ] as const) {
    if (value === '') throw new UsageError(`${flag} needs a value`);
  }
  return {
    command: 'tree',
    vm,
    namespace: values.namespace,
    kubeconfig: values.kubeconfig,
    context: values.context,
  };
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      namespace: { type: 'string', short: 'n' },
      kubeconfig: { type: 'string' },
      context: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}
