#!/bin/sh
# VM tier on the newer kernel series Debian 12 ships (linux-image-6.12-amd64):
# every tests/vm/kmod case on the kmod runtime in one boot, as
# tests/tiers/vm.sh runs them on 6.1 (there on both runtimes). The kmod
# runtime is built against each kernel's own headers, and some of the
# kernel's interfaces it uses changed between the two (uprobe_register,
# Linux 6.12). Out of its scope, and listed as not run (not skipped): a
# case written for one kernel (`# kernels: 6.1`), one for the BPF runtime
# only, and those that need the kernel's debuginfo (850 MB, fetched for
# 6.1 only).
BTAP_VM_META=${BTAP_VM_NEXT_META:-linux-image-6.12-amd64} VM_NEXT=1 exec sh "$(dirname "$0")/vm.sh"
