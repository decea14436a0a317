#!/bin/sh
# Downloads and unpacks what the VM tiers need, without booting anything:
# each kernel series' package, its headers (the kmod runtime's kbuild) and
# the 6.1 kernel's debuginfo. tests/run-tests.sh starts it in the
# background at the start, so the downloads (about 1 GB) overlap the host
# tiers instead of adding to the VM tiers' time. The tiers find it all in
# the cache (the cache's lock orders them); a failure here is only logged:
# the tier tries again and reports the reason.
VM_HERE=$(cd "$(dirname "$0")" && pwd)
. "$VM_HERE/vm-lib.sh"
vm_check || { vm_log "prefetch: $VM_WHY"; exit 0; }
mkdir -p "$VM_CACHE" || exit 0
for meta in linux-image-amd64 "${BTAP_VM_NEXT_META:-linux-image-6.12-amd64}"; do
	(
		VM_META=$meta VM_KREL=
		vm_pick_release || { vm_log "prefetch $meta: $VM_WHY"; exit 0; }
		vm_under_lock vm_fetch_kernel || vm_log "prefetch $VM_KREL: $VM_WHY"
		vm_fetch_headers || vm_log "prefetch $VM_KREL: $VM_WHY"
		if [ "$meta" = linux-image-amd64 ]; then
			vm_fetch_debuginfo || vm_log "prefetch $VM_KREL: $VM_WHY"
		fi
	)
done
exit 0
