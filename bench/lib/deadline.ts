/**
 * Ends the benchmark with an error if it is still running after `minutes`: a benchmark on a shared machine must
 * not run unbounded. The control plane child notices its stdin closing and stops itself.
 */
export function exitAfterMinutes(minutes: number, bench: string): void {
  setTimeout(() => {
    console.error(
      `${bench}: still running after ${minutes} min, giving up (machine overloaded or server stuck)`,
    );
    process.exit(1);
  }, minutes * 60_000).unref();
}
