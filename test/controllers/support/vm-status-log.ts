import { type ApiObject, VIRTUAL_MACHINES } from '../../../src/controllers/shared/resources.ts';
import type { OperatorEnv } from './operator-env.ts';
import { StatusLog, statusAndConditions } from './status-log.ts';

export interface SeenVmStatus {
  name: string;
  phase: unknown;
  hold: { holder: { kind: string; name: string; uid: string }; operation: string } | undefined;
  snapshotting: string | undefined;
  currentSnapshot: unknown;
}

/** Every VirtualMachine status a watch delivers. */
export type VmStatusLog = StatusLog<SeenVmStatus>;

export const VmStatusLog = {
  start: (env: OperatorEnv): Promise<VmStatusLog> => StatusLog.start(env, VIRTUAL_MACHINES, seenVm),
};

function seenVm(vm: ApiObject): SeenVmStatus {
  const { status, condition } = statusAndConditions(vm);
  return {
    name: vm.metadata.name ?? '',
    phase: status.phase,
    hold: status.hold as SeenVmStatus['hold'],
    snapshotting: condition('Snapshotting')?.status,
    currentSnapshot: status.currentSnapshot,
  };
}
