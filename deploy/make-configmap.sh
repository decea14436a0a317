#!/bin/sh
# Compile a btap script here and print it as a Kubernetes ConfigMap that
# deploy/btap-daemonset.yaml and btap-job.yaml mount at /artifact:
#
#   deploy/make-configmap.sh [-n NAMESPACE] [-N NAME] SCRIPT.stp [BTAP OPTIONS...] | kubectl apply -f -
#
# The artifact is what `btap -p4` builds: prog.bpf.o (the BPF programs, with
# CO-RE relocations, so they load on other kernels with BTF), prog.so (the
# part btap runs itself, for the same architecture) and prog.c (for error
# messages). BTAP names the btap to compile with (default: btap on PATH).
set -eu
ns=btap name=btap-artifact
while getopts n:N: o; do
	case $o in
	n) ns=$OPTARG ;;
	N) name=$OPTARG ;;
	*) echo "usage: $0 [-n NAMESPACE] [-N NAME] SCRIPT.stp [BTAP OPTIONS...]" >&2; exit 1 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -ge 1 ] || { echo "usage: $0 [-n NAMESPACE] [-N NAME] SCRIPT.stp [BTAP OPTIONS...]" >&2; exit 1; }
script=$1
shift
dir=$(${BTAP:-btap} -p4 "$@" "$script")
[ -f "$dir/prog.so" ] || { echo "$0: btap -p4 gave no artifact" >&2; exit 1; }
echo "apiVersion: v1"
echo "kind: ConfigMap"
echo "metadata:"
echo "  name: $name"
echo "  namespace: $ns"
echo "  labels:"
echo "    app.kubernetes.io/name: btap"
echo "  annotations:"
echo "    btap/script: \"$(basename "$script")\""
echo "binaryData:"
for f in prog.bpf.o prog.so prog.c; do
	[ -f "$dir/$f" ] || continue
	echo "  $f: $(base64 -w0 <"$dir/$f")"
done
