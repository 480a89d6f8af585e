// The libvirt/KVM driver (virsh-based). See docs/drivers/libvirt.md.
export { CommandFailure, type CommandResult, type CommandRunner, execRunner } from './command-runner.ts';
export { mapCommandFailure, mapErrorText } from './error-mapping.ts';
export { LibvirtDriver, type LibvirtDriverOptions } from './libvirt-driver.ts';
