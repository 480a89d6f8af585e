import { KUBECTL_VMSNAP_USAGE, parseKubectlVmsnapArgs } from './kubectl-vmsnap-options.ts';
import { UsageError } from './local-options.ts';

/**
 * The `kubectl-vmsnap` kubectl plugin (`kubectl vmsnap tree VM`). Returns the exit code: 0 ok, 1 failure (the VM,
 * its namespace or the server could not be reached: one line on stderr saying which), 2 usage error.
 */
export async function kubectlVmsnapMain(
  argv: readonly string[],
  out: { stdout: (text: string) => void; stderr: (text: string) => void } = {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
  },
): Promise<number> {
  try {
    const options = parseKubectlVmsnapArgs(argv);
    if (options === 'help') {
      out.stdout(KUBECTL_VMSNAP_USAGE);
      return 0;
    }
    // Loaded only when it runs: --help and flag errors stay instant and never load client-node.
    const { treeCommand } = await import('./kubectl-vmsnap-tree.ts');
    out.stdout(await treeCommand(options));
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      out.stderr(`error: ${error.message}\nRun 'kubectl vmsnap --help' for usage.\n`);
      return 2;
    }
    out.stderr(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}
