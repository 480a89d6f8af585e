import { LOCAL_USAGE, parseLocalOptions, UsageError } from './local-options.ts';
import { cliLogger, resolveLogLevel } from './log-level.ts';

const USAGE = `Usage: vmsnap <command> [flags]

Commands:
  local     run the embedded control plane and the operator on this machine
  operator  run the operator against a Kubernetes API server (--kubeconfig PATH, or in-cluster)
  demo      from nothing to a real VM snapshot: 'vmsnap local' plus a tiny demo VM and examples/

Run 'vmsnap <command> --help' for a command's flags.
`;

/** The `vmsnap` command line. Returns the exit code: 0 ok, 1 failure, 2 usage error. */
export async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'local': {
        const options = parseLocalOptions(rest);
        if (options === 'help') {
          process.stdout.write(LOCAL_USAGE);
          return 0;
        }
        // Loaded only when it runs: help and flag errors stay instant and never touch the server modules.
        const [{ runLocal }, { localAddons }] = await Promise.all([
          import('./local.ts'),
          import('./addons.ts'),
        ]);
        const logger = cliLogger(resolveLogLevel(options.logLevel, process.env, 'info'));
        await runLocal(options, {
          addons: localAddons,
          logger,
          print: (line) => process.stdout.write(`${line}\n`),
          shutdownRequested: shutdownSignal(),
        });
        return 0;
      }
      case 'operator': {
        const { OPERATOR_USAGE, parseOperatorOptions, runOperator } = await import('./operator.ts');
        const options = parseOperatorOptions(rest);
        if (options === 'help') {
          process.stdout.write(OPERATOR_USAGE);
          return 0;
        }
        const logger = cliLogger(resolveLogLevel(options.logLevel, process.env, 'info'));
        await runOperator(options, { logger, shutdownRequested: shutdownSignal() });
        return 0;
      }
      case 'demo': {
        const { DEMO_USAGE, parseDemoOptions, runDemo } = await import('./demo.ts');
        const options = parseDemoOptions(rest);
        if (options === 'help') {
          process.stdout.write(DEMO_USAGE);
          return 0;
        }
        const logger = cliLogger(resolveLogLevel(options.local.logLevel, process.env, 'warn'));
        await runDemo(options, {
          logger,
          print: (line) => process.stdout.write(`${line}\n`),
          shutdownRequested: shutdownSignal(),
        });
        return 0;
      }
      case undefined:
      case '-h':
      case '--help':
      case 'help':
        (command ? process.stdout : process.stderr).write(USAGE);
        return command ? 0 : 2;
      default:
        throw new UsageError(`unknown command ${JSON.stringify(command)}`);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(
        `vmsnap ${command ?? ''}: ${error.message}\nRun 'vmsnap ${command === 'local' || command === 'operator' || command === 'demo' ? `${command} ` : ''}--help' for usage.\n`,
      );
      return 2;
    }
    process.stderr.write(
      `vmsnap ${command ?? ''}: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    return 1;
  }
}

/** The first SIGINT/SIGTERM asks for a clean shutdown; a second one exits at once. */
function shutdownSignal(): Promise<string> {
  return new Promise((resolve) => {
    let requested = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (requested) process.exit(130);
      requested = true;
      resolve(signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}
