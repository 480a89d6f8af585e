// `vmsnap operator` flags for leader election, the health server and shutdown: defaults as the Deployment relies
// on them, and bad values rejected naming the flag.
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/cli/local-options.ts';
import { parseOperatorOptions } from '../../src/cli/operator.ts';

const parse = (args: string[]) => {
  const options = parseOperatorOptions(args);
  if (options === 'help') throw new Error('unexpected help');
  return options;
};

describe('vmsnap operator leader election, health and shutdown flags', () => {
  it("defaults to controller-runtime's timings, 0.0.0.0:8080 and a 30 s grace period, without leader election", () => {
    const options = parse([]);
    expect(options.leaderElection).toBeUndefined();
    expect(options.health).toEqual({ host: '0.0.0.0', port: 8080 });
    expect(options.shutdownGracePeriodMs).toBe(30_000);
    expect(parse(['--leader-elect']).leaderElection).toEqual({
      leaseDurationSeconds: 15,
      renewDeadlineMs: 10_000,
      retryPeriodMs: 2_000,
    });
  });

  it('reads Go-style durations and bind addresses', () => {
    const options = parse([
      '--leader-elect',
      '--leader-elect-lease-duration=1m',
      '--leader-elect-renew-deadline=40s',
      '--leader-elect-retry-period=1500ms',
      '--shutdown-grace-period=1m30s',
      '--health-bind-address=:9090',
    ]);
    expect(options.leaderElection).toEqual({
      leaseDurationSeconds: 60,
      renewDeadlineMs: 40_000,
      retryPeriodMs: 1_500,
    });
    expect(options.shutdownGracePeriodMs).toBe(90_000);
    expect(options.health).toEqual({ host: '0.0.0.0', port: 9090 });
    expect(parse(['--health-bind-address', '[::1]:0']).health).toEqual({ host: '::1', port: 0 });
  });

  it.each([
    [['--shutdown-grace-period', '30'], '--shutdown-grace-period 30'],
    [['--shutdown-grace-period=0s'], '--shutdown-grace-period 0s'],
    [['--leader-elect-lease-duration', '1500ms'], 'whole seconds'],
    [['--leader-elect-renew-deadline', '20s'], 'shorter than the lease duration'],
    [['--leader-elect-retry-period', '9s'], '1.2 x the retry period'],
    [['--health-bind-address', 'localhost'], '--health-bind-address localhost'],
    [['--health-bind-address', 'example.com:80'], 'IP address'],
    [['--health-bind-address', '0.0.0.0:70000'], '0.0.0.0:70000'],
  ])('rejects %j naming what is wrong', (args, message) => {
    expect(() => parse(args)).toThrow(UsageError);
    expect(() => parse(args)).toThrow(message);
  });
});
