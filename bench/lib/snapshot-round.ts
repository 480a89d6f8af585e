// One VMSnapshot lifecycle through the operator, timed from watch events the way the operator-overhead benches
// (libvirt and vSphere) measure path (b): created -> Ready seen by a watch, with the VM's hold and the phases on
// the way, then deleted -> gone, so that the VM is free and its snapshot gone before the next round.
import type { CustomObjectsApi } from '@kubernetes/client-node';
import { holderOf, namespaced, timedCreate } from './libvirt-bench-setup.ts';
import { fmt, summarize } from './stats.ts';
import type { EventStream, ObservedEvent } from './watch-events.ts';

/** ms after the create call was sent (performance.now()), from watch events; wall* are Date.now(). */
export interface SnapshotRound {
  created: number;
  holdSet: number;
  inProgress: number;
  /** Create call sent -> Ready seen by the watch: what path (b) measures. */
  ready: number;
  holdReleased: number;
  /** Wall clock at the create call and at Ready, to line up with recorders outside this process. */
  wallStart: number;
  wallReady: number;
}

/** Watches on `vmsnapshots` and `virtualmachines` in the bench namespace, opened before the first round. */
export interface SnapshotWatches {
  snapshots: EventStream;
  vms: EventStream;
}

/**
 * Creates the memory VMSnapshot `name` of VirtualMachine `vmName`, waits until it is Ready and its VM's hold is
 * released, runs `beforeDelete` (e.g. to read a counter between the create and delete phases), then deletes it
 * and waits until the watch shows it gone.
 */
export async function snapshotThroughOperator(
  api: CustomObjectsApi,
  watches: SnapshotWatches,
  name: string,
  vmName: string,
  beforeDelete?: () => Promise<void>,
): Promise<SnapshotRound> {
  const { snapshots, vms } = watches;
  const { start, wallStart, created } = await timedCreate(api, 'vmsnapshots', 'VMSnapshot', name, {
    vmName,
    memory: true,
  });
  const mine = (e: ObservedEvent) => e.object.metadata?.name === name;
  const ready = await snapshots.next((e) => mine(e) && e.object.status?.phase === 'Ready', start);
  const wallReady = Date.now();
  const holdSet = await vms.next((e) => holderOf(e) === name, start);
  const inProgress = await snapshots.next((e) => mine(e) && e.object.status?.phase === 'InProgress', start);
  // The hold released: the VM is free for the next round.
  const released = await vms.next((e) => holderOf(e) === undefined, holdSet.at);
  await beforeDelete?.();
  await api.deleteNamespacedCustomObject({ ...namespaced('vmsnapshots'), name });
  await snapshots.next((e) => mine(e) && e.type === 'DELETED', start);
  return {
    created: created - start,
    holdSet: holdSet.at - start,
    inProgress: inProgress.at - start,
    ready: ready.at - start,
    holdReleased: released.at - start,
    wallStart,
    wallReady,
  };
}

/** Prints the markdown table of where path (b) spends its time: the median of each step over `rounds`. */
export function printSnapshotTimeline(rounds: SnapshotRound[]): void {
  console.log('Where (b) spends its time (median ms after the create call was sent, from watch events):\n');
  console.log('| step | median ms |');
  console.log('|---|---|');
  const step = (label: string, pick: (r: SnapshotRound) => number) =>
    console.log(`| ${label} | ${fmt(summarize(rounds.map(pick)).median, 0)} |`);
  step('create answered', (r) => r.created);
  step('VM hold set (VirtualMachine event)', (r) => r.holdSet);
  step('VMSnapshot InProgress', (r) => r.inProgress);
  step('VMSnapshot Ready', (r) => r.ready);
  step('VM hold released', (r) => r.holdReleased);
}
