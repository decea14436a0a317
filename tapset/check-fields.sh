#!/bin/sh
# Check the tapset's tracepoint aliases against the running kernel: every
# kernel.trace("group:event") named in tapset/*.stp must exist, and every
# $field used in the alias body must be a field of that event's record.
#
#   tapset/check-fields.sh [TRACEFS_DIR]
#
# Exits 0 when all match, 1 on a mismatch, 77 when tracefs is not there.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
tracefs=${1:-}
if [ -z "$tracefs" ]; then
	for d in /sys/kernel/tracing /sys/kernel/debug/tracing \
	         $(awk '$3 == "tracefs" { print $2 }' /proc/mounts 2>/dev/null); do
		if [ -d "$d/events" ]; then tracefs=$d; break; fi
	done
fi
if [ -z "$tracefs" ] || [ ! -d "$tracefs/events" ]; then
	echo "check-fields: no tracefs (mount -t tracefs tracefs /sys/kernel/tracing)" >&2
	exit 77
fi

# One line per use: FILE:LINE group:event field ("-" for the event itself).
uses=$(awk '
	/kernel\.trace\("/ {
		ev = $0
		sub(/.*kernel\.trace\("/, "", ev); sub(/".*/, "", ev)
		print FILENAME ":" FNR, ev, "-"
		in_alias = 1; next
	}
	/^}/ { in_alias = 0 }
	in_alias {
		line = $0
		sub(/\/\*.*\*\//, "", line)
		while (match(line, /\$[A-Za-z_][A-Za-z_0-9]*/)) {
			print FILENAME ":" FNR, ev, substr(line, RSTART + 1, RLENGTH - 1)
			line = substr(line, RSTART + RLENGTH)
		}
	}' "$here"/*.stp)

bad=0 checked=0
echo "$uses" | while read -r where ev field; do
	fmt="$tracefs/events/$(echo "$ev" | tr : /)/format"
	if [ ! -f "$fmt" ]; then
		[ "$field" = "-" ] && echo "$where: no tracepoint $ev" && echo x
		continue
	fi
	[ "$field" = "-" ] && continue
	if ! grep -Eq "field:[^;]*[ *]$field(\[[0-9]*\])?;" "$fmt"; then
		echo "$where: $ev has no field '$field'"
		echo x
	fi
done > /tmp/btap-check-fields.$$
bad=$(grep -c '^x$' /tmp/btap-check-fields.$$ || true)
grep -v '^x$' /tmp/btap-check-fields.$$ || true
rm -f /tmp/btap-check-fields.$$
checked=$(echo "$uses" | wc -l)
if [ "$bad" -ne 0 ]; then
	echo "check-fields: $bad of $checked uses do not match the kernel" >&2
	exit 1
fi
echo "check-fields: $checked uses match $tracefs"
