#!/bin/sh
# deploy/: the Kubernetes manifests are YAML with the fields Kubernetes
# requires and agree with each other (the ConfigMap name, the mount path,
# the command); make-configmap.sh's ConfigMap carries an artifact that
# `btap --run` runs from a read-only directory, as a pod would; the
# Containerfile's stages hang together and its small image installs every
# library btap loads.
. "$(dirname "$0")/../lib.sh"
cd "$ROOT" || exit 1
T=$(mktemp -d /tmp/btap-deploy.XXXXXX)
trap 'rm -rf "$T"' EXIT
PY=${PYTHON:-python3}
if ! $PY -c 'import yaml' 2>/dev/null; then
	# Debian's python3-yaml (tests/install-deps.sh) when the first python3 lacks it
	PY=/usr/bin/python3
fi

# An artifact as a ConfigMap: a tracepoint script that ends at the first exec
# of true(1).
cat >"$T/exec.stp" <<'STP'
probe kernel.trace("sched:sched_process_exec") {
	if (execname() == "true") {
		printf("exec %s\n", execname())
		exit()
	}
}
STP
if BTAP=$ROOT/btap sh deploy/make-configmap.sh "$T/exec.stp" >"$T/cm.yaml" 2>"$T/cm.err"; then
	pass "make-configmap.sh"
else
	fail "make-configmap.sh: $(cat "$T/cm.err")"
fi

$PY - "$T" deploy/btap-daemonset.yaml deploy/btap-job.yaml "$T/cm.yaml" <<'PY' >"$T/result" 2>&1
import base64, os, re, sys
import yaml

out, files = sys.argv[1], sys.argv[2:]
DNS1123 = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
KEY = re.compile(r"^[-._a-zA-Z0-9]+$")
docs = []

def check(cond, what):
    print(("PASS: " if cond else "FAIL: ") + what)
    return cond

for path in files:
    try:
        with open(path) as f:
            loaded = [d for d in yaml.safe_load_all(f) if d is not None]
    except yaml.YAMLError as e:
        check(False, "%s parses as YAML: %s" % (path, e))
        continue
    check(bool(loaded), "%s parses as YAML" % os.path.basename(path))
    for d in loaded:
        docs.append((os.path.basename(path), d))

def pod_checks(where, spec, configmaps):
    ok = True
    cs = spec.get("containers") or []
    ok &= check(len(cs) > 0, "%s: containers" % where)
    vols = {v.get("name"): v for v in spec.get("volumes") or []}
    for c in cs:
        ok &= check(bool(c.get("name")) and DNS1123.match(c["name"]) is not None, "%s: container name" % where)
        ok &= check(bool(c.get("image")), "%s: container %s has an image" % (where, c.get("name")))
        args = c.get("args") or c.get("command") or []
        ok &= check("--run" in args, "%s: runs an artifact (--run)" % where)
        run_dir = args[args.index("--run") + 1] if "--run" in args and args.index("--run") + 1 < len(args) else None
        mounts = {m.get("mountPath"): m for m in c.get("volumeMounts") or []}
        ok &= check(run_dir in mounts, "%s: --run %s is a mount" % (where, run_dir))
        for m in c.get("volumeMounts") or []:
            ok &= check(m.get("name") in vols, "%s: volumeMount %s has a volume" % (where, m.get("name")))
            v = vols.get(m.get("name")) or {}
            if m.get("mountPath") == run_dir:
                cm = (v.get("configMap") or {}).get("name")
                ok &= check(cm in configmaps, "%s: the artifact volume is ConfigMap %s, which make-configmap.sh makes" % (where, cm))
        sc = c.get("securityContext") or {}
        ok &= check(sc.get("privileged") is True, "%s: privileged, as deploy/README.md says it must be" % where)
    ok &= check(spec.get("hostPID") is True, "%s: hostPID" % where)
    return ok

configmaps = {d["metadata"]["name"] for _, d in docs if d.get("kind") == "ConfigMap" and isinstance(d.get("metadata"), dict)}
namespaces = {d["metadata"]["name"] for _, d in docs if d.get("kind") == "Namespace" and isinstance(d.get("metadata"), dict)}
for fname, d in docs:
    kind = d.get("kind")
    where = "%s %s" % (fname, kind)
    meta = d.get("metadata") or {}
    check(isinstance(d.get("apiVersion"), str) and isinstance(kind, str), "%s: apiVersion and kind" % where)
    check(isinstance(meta.get("name"), str) and DNS1123.match(meta["name"]) is not None, "%s: metadata.name" % where)
    if kind != "Namespace":
        check(meta.get("namespace") in namespaces, "%s: namespace %s is the one the manifests create" % (where, meta.get("namespace")))
    if kind == "DaemonSet":
        check(d["apiVersion"] == "apps/v1", "%s: apps/v1" % where)
        spec = d.get("spec") or {}
        sel = (spec.get("selector") or {}).get("matchLabels") or {}
        labels = ((spec.get("template") or {}).get("metadata") or {}).get("labels") or {}
        check(bool(sel) and all(labels.get(k) == v for k, v in sel.items()), "%s: selector matches the pod labels" % where)
        pspec = (spec.get("template") or {}).get("spec") or {}
        check(pspec.get("restartPolicy", "Always") == "Always", "%s: restartPolicy Always" % where)
        pod_checks(where, pspec, configmaps)
    elif kind == "Job":
        check(d["apiVersion"] == "batch/v1", "%s: batch/v1" % where)
        pspec = ((d.get("spec") or {}).get("template") or {}).get("spec") or {}
        check(pspec.get("restartPolicy") in ("Never", "OnFailure"), "%s: restartPolicy Never or OnFailure" % where)
        pod_checks(where, pspec, configmaps)
    elif kind == "ConfigMap":
        check(d["apiVersion"] == "v1", "%s: v1" % where)
        data = dict(d.get("binaryData") or {})
        check(all(KEY.match(k) for k in data), "%s: valid keys" % where)
        check({"prog.bpf.o", "prog.so"} <= set(data), "%s: carries prog.bpf.o and prog.so" % where)
        size = sum(len(v) for v in data.values())
        check(size < 1024 * 1024, "%s: under the 1 MiB a ConfigMap may hold (%d bytes)" % (where, size))
        os.makedirs(os.path.join(out, "artifact"), exist_ok=True)
        for k, v in data.items():
            with open(os.path.join(out, "artifact", k), "wb") as f:
                f.write(base64.b64decode(v))
    elif kind != "Namespace":
        check(False, "%s: unexpected kind" % where)
for k in ("DaemonSet", "Job", "ConfigMap", "Namespace"):
    check(any(d.get("kind") == k for _, d in docs), "a %s is there" % k)
PY
grep -v '^PASS' "$T/result"
PASSED=$((PASSED + $(grep -c '^PASS' "$T/result")))
FAILED=$((FAILED + $(grep -c '^FAIL' "$T/result")))
grep -q '^[PF]' "$T/result" || fail "manifest checks did not run: $(head -3 "$T/result")"

# The artifact from the ConfigMap runs as the pod runs it: read-only, no
# compiler needed, from another directory, with nothing of the tree in the
# environment.
if [ "$(id -u)" != 0 ]; then
	skip "artifact run: needs root"
elif [ -f "$T/artifact/prog.so" ]; then
	chmod 0444 "$T/artifact"/* && chmod 0555 "$T/artifact"
	out=$(cd / && env -i PATH=/usr/bin:/bin "$ROOT/btap" -c /bin/true --run "$T/artifact" 2>&1)
	if [ "$out" = "exec true" ]; then pass "the ConfigMap's artifact runs with --run"; else fail "--run the ConfigMap's artifact: $out"; fi
fi

# The Containerfile: stages named and used in order; the runner image's
# packages hold every library btap loads; its default command runs the
# mount the manifests use.
CF=deploy/Containerfile
stages=$(sed -n 's/^FROM .* AS \([a-z]*\)$/\1/p' "$CF")
bad=""
for from in $(sed -n 's/.*COPY --from=\([a-z]*\).*/\1/p' "$CF"); do
	echo "$stages" | grep -qx "$from" || bad="$bad $from"
done
if [ -n "$stages" ] && [ -z "$bad" ]; then pass "Containerfile stages"; else fail "Containerfile: unknown stages:$bad"; fi
# the build stage installs what debian/control's Build-Depends names
# (debhelper-compat is debhelper's; make and gcc come with build-essential)
build_pkgs=$(awk '/AS build/ { b = 1 } /^FROM/ && !/AS build/ { b = 0 } b' "$CF" | tr -s ' \\\t' '\n')
missing=""
for pkg in $(sed -n '/^Build-Depends:/,/^[A-Z]/p' debian/control | sed 's/^Build-Depends://; /^[A-Z]/d' |
	tr ',' '\n' | sed 's/(.*)//; s/^ *//; s/ *$//' | grep .); do
	case $pkg in debhelper-compat) pkg=debhelper ;; make|gcc) pkg=build-essential ;; esac
	echo "$build_pkgs" | grep -qx "$pkg" || missing="$missing $pkg"
done
if [ -z "$missing" ]; then pass "the build stage installs every Build-Depends package"; else fail "Containerfile build stage lacks:$missing"; fi
runner_pkgs=$(awk '/AS runner/ { r = 1 } r && /apt-get install/' "$CF" | grep -oE 'lib[a-z0-9]+|zlib1g' | sort -u)
missing=""
# Direct dependencies only (NEEDED): what those load in turn, their own
# packages bring.
needed=$(readelf -d ./btap | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
for lib in $(ldd ./btap | awk -v n="$needed" 'BEGIN { split(n, a, "\n"); for (i in a) want[a[i]] = 1 } $3 ~ /^\// && ($1 in want) { print $3 }'); do
	pkg=$(dpkg -S "$(readlink -f "$lib")" 2>/dev/null | head -1 | cut -d: -f1)
	[ -z "$pkg" ] && pkg=$(dpkg -S "$lib" 2>/dev/null | head -1 | cut -d: -f1)
	[ "$pkg" = libc6 ] && continue
	echo "$runner_pkgs" | grep -qx "$pkg" || missing="$missing $lib($pkg)"
done
if [ -z "$missing" ]; then pass "the runner image installs every library btap loads"; else fail "runner image lacks:$missing"; fi
if grep -q '^CMD \["--run", "/artifact"\]' "$CF" && grep -q 'mountPath: /artifact' deploy/btap-daemonset.yaml; then
	pass "image command and manifests agree on /artifact"
else
	fail "Containerfile CMD and the manifests' mount differ"
fi
summary deploy
