import { describe, expect, it } from 'vitest';
import { kubectlVmsnapMain } from '../../src/cli/kubectl-vmsnap.ts';
import { parseKubectlVmsnapArgs } from '../../src/cli/kubectl-vmsnap-options.ts';

describe('kubectl vmsnap: arguments', () => {
  it('reads tree VM with -n, --namespace=, --kubeconfig and --context in any order', () => {
    expect(parseKubectlVmsnapArgs(['tree', 'web-1', '-n', 'prod'])).toEqual({
      command: 'tree',
      vm: 'web-1',
      namespace: 'prod',
      kubeconfig: undefined,
      context: undefined,
    });
    expect(
      parseKubectlVmsnapArgs(['--context', 'lab', 'tree', '--namespace=dev', 'db', '--kubeconfig', '/k']),
    ).toMatchObject({ vm: 'db', namespace: 'dev', context: 'lab', kubeconfig: '/k' });
    expect(parseKubectlVmsnapArgs(['tree', 'web-1'])).toMatchObject({ namespace: undefined });
    expect(parseKubectlVmsnapArgs(['--help'])).toBe('help');
    expect(parseKubectlVmsnapArgs(['tree', '-h'])).toBe('help');
  });

  it.each([
    [[], /a command is required/],
    [['list'], /unknown command "list"/],
    [['tree'], /needs the VirtualMachine name/],
    [['tree', 'a', 'b'], /unexpected argument "b"/],
    [['tree', 'a', '--bogus'], /bogus/],
    [['tree', 'a', '-n'], /namespace/],
  ])('rejects %j with a message that says what is wrong', (argv, message) => {
    expect(() => parseKubectlVmsnapArgs(argv)).toThrow(message);
  });

  it('exits 2 with the usage hint on bad arguments, 0 with the help on --help', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const sink = { stdout: (t: string) => out.push(t), stderr: (t: string) => err.push(t) };
    expect(await kubectlVmsnapMain(['tree'], sink)).toBe(2);
    expect(err.join('')).toMatch(/kubectl vmsnap --help/);
    expect(await kubectlVmsnapMain(['--help'], sink)).toBe(0);
    expect(out.join('')).toMatch(/Usage: kubectl vmsnap tree VM/);
  });

  it('exits 1 naming the kubeconfig it could not load', async () => {
    const err: string[] = [];
    const sink = { stdout: () => {}, stderr: (t: string) => err.push(t) };
    expect(await kubectlVmsnapMain(['tree', 'web-1', '--kubeconfig', '/nonexistent/kubeconfig'], sink)).toBe(
      1,
    );
    expect(err.join('')).toMatch(/cannot load kubeconfig \/nonexistent\/kubeconfig/);
  });
});
