/**
 * When each key a work queue handed out started processing, so the scrape can report the longest-running and the
 * unfinished work (client-go's workqueue_longest_running_processor_seconds / unfinished_work_seconds).
 *
 * The queue's metrics hook does not name keys: it reports a take (`queueLatency`) and a finish (`workDuration`
 * with its length). A finish therefore removes the start that lies `seconds` before now. When several starts are
 * equally close they are equal (to float rounding), so removing any of them leaves the same multiset.
 */
export class ProcessingClock {
  readonly #starts: number[] = [];

  started(nowMs: number): void {
    this.#starts.push(nowMs);
  }

  finished(nowMs: number, seconds: number): void {
    if (this.#starts.length === 0) return;
    const startedAt = nowMs - seconds * 1000;
    let best = 0;
    for (let i = 1; i < this.#starts.length; i++) {
      if (Math.abs(this.#starts[i]! - startedAt) < Math.abs(this.#starts[best]! - startedAt)) best = i;
    }
    this.#starts.splice(best, 1);
  }

  /** Seconds the oldest key in flight has been processing; 0 when none is. */
  longestRunningSeconds(nowMs: number): number {
    if (this.#starts.length === 0) return 0;
    return (nowMs - Math.min(...this.#starts)) / 1000;
  }

  /** Seconds of work in flight that no finish has reported yet, summed over all keys in flight. */
  unfinishedSeconds(nowMs: number): number {
    return this.#starts.reduce((sum, start) => sum + (nowMs - start) / 1000, 0);
  }
}
