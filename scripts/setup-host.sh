#!/usr/bin/env bash
# Installs and starts what vmsnap's tests and `vmsnap local` need on a Debian machine: libvirt and QEMU
# (TCG is enough: test guests are tiny and disk-less), qemu-img/qemu-io for checking disks from outside.
# Idempotent: safe to run on every CI run and on a developer machine.
set -euo pipefail

packages=(qemu-system-x86 qemu-utils libvirt-daemon-system libvirt-clients golang-go golang-github-vmware-govmomi-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup-host: missing packages: ${missing[*]}; run as root or: sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# No udev on these machines either, so /dev/kvm (where the kernel offers it) stays root-only instead of udev's
# root:kvm 0660. libvirtd then probes QEMU as root and finds KVM, but judges KVM unusable for the libvirt-qemu user
# that runs guests, throws its capabilities cache away on every lookup and re-probes QEMU (~4 s) for every define,
# start and revert: under the test suite's parallel load that stalled libvirtd for minutes. The guests are TCG
# either way (domain type 'qemu'); this only makes libvirt's view of the host consistent.
if [ -c /dev/kvm ] && getent group kvm >/dev/null; then
  chgrp kvm /dev/kvm && chmod 0660 /dev/kvm
fi

# No init system runs daemons on these machines: start them by hand when they are not answering.
if ! virsh -c qemu:///system -q version >/dev/null 2>&1; then
  pgrep -x virtlogd >/dev/null || virtlogd -d
  pgrep -x libvirtd >/dev/null || libvirtd -d
  for _ in $(seq 1 50); do
    virsh -c qemu:///system -q version >/dev/null 2>&1 && break
    sleep 0.2
  done
fi
virsh -c qemu:///system -q version >/dev/null || { echo "setup-host: libvirtd is not answering on qemu:///system" >&2; exit 1; }
echo "setup-host: libvirt ready ($(virsh -c qemu:///system -q version | head -1))"
