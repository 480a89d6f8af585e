/** What `withinDeadline` saw first: the work's value, or the deadline. */
export type DeadlineRace<T> = { done: true; value: T } | { done: false };

/**
 * Waits for `work` at most `ms` milliseconds (Infinity: no limit). The work itself is not cancelled (driver calls
 * take no signal): a call that outlives the deadline goes on in the background, and its late outcome is dropped
 * here so that a rejection after the deadline is never unhandled. A rejection before the deadline rejects.
 */
export async function withinDeadline<T>(work: Promise<T>, ms: number): Promise<DeadlineRace<T>> {
  if (!Number.isFinite(ms)) return { done: true, value: await work };
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<DeadlineRace<T>>((resolve) => {
    timer = setTimeout(() => resolve({ done: false }), Math.max(0, ms));
  });
  try {
    const race = await Promise.race([
      work.then((value): DeadlineRace<T> => ({ done: true, value })),
      deadline,
    ]);
    if (!race.done) work.catch(() => undefined);
    return race;
  } finally {
    clearTimeout(timer);
  }
}
