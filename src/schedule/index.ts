// Snapshot schedules as pure logic: when runs are due, what a run's snapshots are named and when each starts,
// and which snapshots retention keeps. No I/O and no clock of its own: callers pass `now`.
export * from './calendar.ts';
export * from './concurrency.ts';
export * from './cron.ts';
export * from './due-run.ts';
export * from './names.ts';
export * from './retention.ts';
export * from './spread.ts';
