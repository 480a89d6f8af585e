// The libvirt/KVM driver (virsh-based). See docs/drivers/libvirt.md.
export { mapCommandFailure, mapErrorText } from './error-mapping.ts';
export { LibvirtDriver, type LibvirtDriverOptions } from './libvirt-driver.ts';
export { CommandFailure, type CommandResult, type CommandRunner, execRunner } from './virsh.ts';
