#!/bin/sh
# Output for other tools: --format=json (and -o FILE.json) read back with
# python3's json module, record by record and value by value; --metrics
# scraped with curl while the script runs and read with the Prometheus
# text parser of python3-prometheus-client. Live: real BPF programs.
. "$(dirname "$0")/../lib.sh"
cd "$ROOT" || exit 1
T=$(mktemp -d /tmp/btap-output.XXXXXX)
BTAP_PID=""
trap '[ -n "$BTAP_PID" ] && kill "$BTAP_PID" 2>/dev/null; rm -rf "$T"' EXIT
LIMIT=${LIVE_TIMEOUT:-60}
PY=${PYTHON:-python3}
if ! $PY -c 'import prometheus_client' 2>/dev/null; then
	# Debian's python3-prometheus-client when the first python3 lacks it
	PY=/usr/bin/python3
fi

# py_check NAME ARGS... <<'PY' (a python program on stdin): pass when it
# exits 0, else fail with the end of what it printed.
py_check() {
	name=$1
	shift
	if $PY - "$@" >"$T/py.out" 2>&1; then
		pass "$name"
	else
		fail "$name: $(tail -5 "$T/py.out")"
	fi
}

# ---- options (no kernel needed) -------------------------------------------------
"$BTAP" --format=xml -e 'probe begin { exit() }' >"$T/out" 2>&1
rc=$?
if [ $rc = 1 ] && grep -q "invalid output format 'xml'" "$T/out"; then
	pass "--format=xml is refused"
else
	fail "--format=xml: rc $rc: $(cat "$T/out")"
fi
"$BTAP" --metrics=9100 -e 'probe begin { exit() }' >"$T/out" 2>&1
rc=$?
if [ $rc = 1 ] && grep -q "invalid metrics address '9100'" "$T/out"; then
	pass "--metrics without a port is refused"
else
	fail "--metrics=9100: rc $rc: $(cat "$T/out")"
fi
"$BTAP" --metrics=:99999 -e 'probe begin { exit() }' >"$T/out" 2>&1
rc=$?
if [ $rc = 1 ] && grep -q "invalid metrics address ':99999'" "$T/out"; then
	pass "--metrics with a port out of range is refused"
else
	fail "--metrics=:99999: rc $rc: $(cat "$T/out")"
fi

why_not=$(live_why_not)
if [ -n "$why_not" ]; then
	skip "output tier: $why_not"
	summary output
	exit $?
fi

# ---- JSON: print records from kernel and runner probes, histograms, the
# end-of-run dump of globals ------------------------------------------------
cat >"$T/j.stp" <<'STP'
global execs, name, count, st, empty, h, lin, odd
probe kernel.trace("sched:sched_process_exec") {
	if (pid() == target()) {
		execs[execname(), 7]++
		printf("exec %s %d\n", execname(), 42)
		h <<< 6
		print(@hist_log(h))
	}
}
probe begin {
	name = "q\" b\\ t\t n\n é"
	count = 2
	st <<< 3; st <<< 5; st <<< 10
	never = 0
	if (never) empty <<< 1
	odd = "\xff\x01"
	printf("%s|%d|%x|%5s|%-3d|\n", "é", -5, 255, "ab", 7)
	print("plain")
}
probe end {
	h <<< 0; h <<< 3; h <<< 100; h <<< -2
	print(@hist_log(h))
	lin <<< 6; lin <<< 0; lin <<< 3; lin <<< 100; lin <<< -2
	print(@hist_linear(lin, 0, 10, 5))
}
STP
timeout "$LIMIT" "$BTAP" --format=json -c true "$T/j.stp" >"$T/j.json" 2>"$T/j.err"
rc=$?
if [ $rc = 0 ]; then
	pass "json script runs"
else
	fail "json script: rc $rc: $(cat "$T/j.err")"
fi
py_check "json: every record and value" "$T/j.json" <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
types = [r["type"] for r in recs]
def only(pred, what):
    got = [r for r in recs if pred(r)]
    assert len(got) == 1, (what, got)
    return got[0]

# runner printf: text as text prints it, the format, the typed arguments
p = only(lambda r: r["type"] == "print" and r["format"].startswith("%s|"), "begin printf")
assert p == {"type": "print", "text": "é|-5|ff|   ab|7  |\n",
             "format": "%s|%d|%x|%5s|%-3d|\n", "args": ["é", -5, 255, "ab", 7]}, p
assert only(lambda r: r.get("text") == "plain", "print")["args"] == ["plain"]
# kernel printf: the record's arguments unpacked
k = only(lambda r: r["type"] == "print" and r["format"] == "exec %s %d\n", "kernel printf")
assert k["args"][1] == 42 and k["text"] == "exec %s 42\n" % k["args"][0], k
# a histogram printed by a kernel probe: one value, 6, in [4, 7]
hs = [r for r in recs if r["type"] == "hist"]
assert hs[0] == {"type": "hist", "name": "h", "kind": "log", "count": 1,
                 "buckets": [{"min": 4, "max": 7, "count": 1}]}, hs[0]
# ... and by the end probe: 6 0 3 100 -2
assert hs[1]["count"] == 5 and hs[1]["kind"] == "log", hs[1]
assert hs[1]["buckets"] == [{"min": -3, "max": -2, "count": 1}, {"min": 0, "max": 0, "count": 1},
                            {"min": 2, "max": 3, "count": 1}, {"min": 4, "max": 7, "count": 1},
                            {"min": 64, "max": 127, "count": 1}], hs[1]["buckets"]
# linear 0..10 by 5: underflow (-2), [0,4] (0 3), [5,9] (6), overflow (100)
assert hs[2]["kind"] == "linear" and hs[2]["buckets"] == [
    {"min": None, "max": -1, "count": 1}, {"min": 0, "max": 4, "count": 2},
    {"min": 5, "max": 9, "count": 1}, {"min": 15, "max": None, "count": 1}], hs[2]
# the globals text would print at the end, each one record, in text's order
g = {r["name"]: r for r in recs if r["type"] == "global"}
assert list(g) == ["execs", "name", "count", "st", "empty", "odd"], list(g)
assert types.index("global") > max(i for i, t in enumerate(types) if t == "hist")
e = g["execs"]["entries"]
assert len(e) == 1 and e[0]["key"][1] == 7 and e[0]["value"] == 1 and isinstance(e[0]["key"][0], str), e
assert g["name"]["value"] == "q\" b\\ t\t n\n é", g["name"]
assert g["count"]["value"] == 2
assert g["st"]["value"] == {"count": 3, "sum": 18, "min": 3, "max": 10, "avg": 6}, g["st"]
assert g["empty"]["value"] == {"count": 0, "sum": 0, "min": None, "max": None, "avg": None}, g["empty"]
assert g["odd"]["value"] == "\u00ff\u0001", g["odd"]  # bytes that are not UTF-8
assert recs[-1] == {"type": "summary", "lost_records": 0, "errors": 0, "skipped_probes": 0}, recs[-1]
PY

# the text format of the same script is unchanged: the dump as stap prints it
timeout "$LIMIT" "$BTAP" -c true "$T/j.stp" >"$T/j.txt" 2>"$T/j.err"
if grep -q '^st @count=3 @min=3 @max=10 @sum=18 @avg=6$' "$T/j.txt" &&
	grep -q '^count=2$' "$T/j.txt" && ! grep -q '{"type"' "$T/j.txt"; then
	pass "text format: the same script prints text"
else
	fail "text format: $(head -20 "$T/j.txt")"
fi

# -o FILE.json picks JSON; --format=text keeps text in such a file
timeout "$LIMIT" "$BTAP" -o "$T/o.json" -e 'global x; probe begin { x = 5; exit() }' 2>"$T/err"
timeout "$LIMIT" "$BTAP" --format=text -o "$T/t.json" -e 'global x; probe begin { x = 5; exit() }' 2>>"$T/err"
py_check "-o FILE.json writes JSON, --format=text overrides it" "$T/o.json" "$T/t.json" <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
assert recs[0] == {"type": "global", "name": "x", "value": 5}, recs
assert recs[-1]["type"] == "summary"
assert open(sys.argv[2]).read() == "x=5\n"
PY

# runtime errors and warnings are records (and still on stderr); the exit
# status says so
timeout "$LIMIT" "$BTAP" --format=json -e 'probe begin { warn("careful"); x = 0; println(10 / x) }' \
	>"$T/e.json" 2>"$T/e.err"
rc=$?
py_check "json: errors, warnings and the summary" "$T/e.json" "$rc" "$T/e.err" <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
assert sys.argv[2] == "1", "exit status %s" % sys.argv[2]
assert recs[0] == {"type": "warning", "message": "careful"}, recs[0]
assert recs[1]["type"] == "error" and recs[1]["message"] == "division by 0", recs[1]
assert recs[1]["near"] == "operator '/'" and recs[1]["at"] == "<input>:1:50", recs[1]
assert recs[-1] == {"type": "summary", "lost_records": 0, "errors": 1, "skipped_probes": 0}, recs[-1]
assert "ERROR: division by 0" in open(sys.argv[3]).read()
PY

# lost records: a 1 MB buffer and 400k write calls by a program of our
# own name, while the reader of btap's output waits for it to finish
cp "$(command -v dd)" "$T/btapflood"
timeout "$LIMIT" "$BTAP" --format=json -s 1 \
	-c "$T/btapflood if=/dev/zero of=/dev/null bs=1 count=400000 status=none; touch $T/flooded" \
	-e 'probe kernel.trace("syscalls:sys_enter_write") { if (execname() == "btapflood") printf("%s %d\n", execname(), $count) }' \
	2>"$T/l.err" | (while [ ! -e "$T/flooded" ]; do sleep 0.1; done; cat >"$T/l.json")
py_check "json: lost records are counted in the summary" "$T/l.json" <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
s = recs[-1]
assert s["type"] == "summary" and s["lost_records"] > 0, s
prints = [r for r in recs if r["type"] == "print"]
assert prints and all(r["args"] == ["btapflood", 1] for r in prints), prints[:3]
assert len(prints) + s["lost_records"] >= 400000, (len(prints), s)
PY

# ---- metrics -----------------------------------------------------------------
cat >"$T/m.stp" <<'STP'
global ticks, label, a, m2, st, h, lin, execs
probe begin {
	label = "a\"b\\c"
	a["x"] = 3; a["y"] = 4
	m2[1, "z"] = 9
	st <<< 4; st <<< 10
	h <<< 0; h <<< 3; h <<< 100
	lin <<< -3; lin <<< 7; lin <<< 100
}
probe timer.ms(50) { ticks++ }
probe kernel.trace("sched:sched_process_exec") { if (execname() == "sleep") execs[execname()]++ }
probe end { print(@hist_log(h)); print(@hist_linear(lin, 0, 10, 5)) }
STP
timeout "$LIMIT" "$BTAP" -v --metrics=127.0.0.1:0 "$T/m.stp" >"$T/m.out" 2>"$T/m.err" &
BTAP_PID=$!
url=""
for _ in $(seq 1 600); do
	url=$(sed -n 's|^btap: metrics at \(http://.*\)$|\1|p' "$T/m.err")
	[ -n "$url" ] && grep -q '^Pass 4' "$T/m.err" && break
	sleep 0.1
done
if [ -z "$url" ]; then
	fail "metrics: no address announced: $(cat "$T/m.err")"
else
	sleep 0.5
	curl -s -i "$url" >"$T/scrape1" 2>&1
	sleep 1 # sleep(1) runs, the timer ticks
	curl -s "$url" >"$T/scrape2" 2>&1
	base=${url%/metrics}
	code404=$(curl -s -o /dev/null -w '%{http_code}' "$base/other")
	code405=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$base/metrics")
	headlen=$(curl -s -I "$url" | tr -d '\r' | sed -n 's/^Content-Length: //p')
	py_check "metrics: scraped and parsed with the Prometheus parser" "$T/scrape1" "$T/scrape2" <<'PY'
import sys
from prometheus_client.parser import text_string_to_metric_families

raw = open(sys.argv[1], encoding="utf-8", newline="").read()
head, body = raw.split("\r\n\r\n", 1)
assert head.startswith("HTTP/1.1 200 OK"), head
assert "Content-Type: text/plain; version=0.0.4; charset=utf-8" in head, head

def parse(text):
    fams = {f.name: f for f in text_string_to_metric_families(text)}
    samples = {}
    for f in fams.values():
        for s in f.samples:
            samples[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return fams, samples

fams, s = parse(body)
types = {n: f.type for n, f in fams.items()}
assert types["ticks"] == "gauge" and types["a"] == "gauge", types
assert types["st"] == "summary" and types["h"] == "histogram" and types["lin"] == "histogram", types
assert s[("a", (("key", "x"),))] == 3 and s[("a", (("key", "y"),))] == 4, s
assert s[("m2", (("key1", "1"), ("key2", "z")))] == 9, [k for k in s if k[0] == "m2"]
assert s[("label", (("value", 'a"b\\c'),))] == 1, [k for k in s if k[0] == "label"]
assert s[("st_count", ())] == 2 and s[("st_sum", ())] == 14, s
assert s[("st_min", ())] == 4 and s[("st_max", ())] == 10, s
# log histogram of 0 3 100: cumulative, from the first bucket that counted
assert [(dict(l)["le"], v) for (n, l), v in s.items() if n == "h_bucket"] == \
    [("0", 1), ("1", 1), ("3", 2), ("7", 2), ("15", 2), ("31", 2), ("63", 2),
     ("127", 3), ("+Inf", 3)], [k for k in s if k[0] == "h_bucket"]
assert s[("h_sum", ())] == 103 and s[("h_count", ())] == 3, s
# linear 0..10 by 5 of -3 7 100: underflow ends at -1, overflow is +Inf
assert [(dict(l)["le"], v) for (n, l), v in s.items() if n == "lin_bucket"] == \
    [("-1", 1), ("4", 1), ("9", 2), ("14", 2), ("+Inf", 3)]
assert s[("btap_lost_records_total", ())] == 0 and s[("btap_errors_total", ())] == 0, \
    [(k, v) for k, v in s.items() if k[0].startswith("btap_")]
t1 = s[("ticks", ())]
_, s2 = parse(open(sys.argv[2], encoding="utf-8").read())
assert s2[("ticks", ())] > t1 >= 1, (t1, s2[("ticks", ())])
assert s2[("execs", (("key", "sleep"),))] >= 1, [k for k in s2 if k[0] == "execs"]
PY
	# the tracer itself sleeps, so the exec probe above has something to count
	if [ "$code404" = 404 ] && [ "$code405" = 405 ] && [ "${headlen:-0}" -gt 100 ]; then
		pass "metrics: other paths 404, other methods 405, HEAD has the length"
	else
		fail "metrics: /other $code404, POST $code405, HEAD length '$headlen'"
	fi
	kill -INT "$BTAP_PID"
	wait "$BTAP_PID"
	rc=$?
	BTAP_PID=""
	if [ $rc = 0 ] && grep -q '^value |' "$T/m.out" && ! curl -s -m 2 "$url" >/dev/null; then
		pass "metrics: SIGINT ends the run, end probes print, the endpoint is gone"
	else
		fail "metrics: rc $rc after SIGINT: $(tail -3 "$T/m.err")"
	fi
fi

# Start btap on $T/NAME.stp in the background (BTAP_PID) and wait for the
# base URL it announces for its procfs files (url; empty, and a failure
# named WHAT, when it says none within a minute).
start_served() {
	timeout "$LIMIT" "$BTAP" "$T/$1.stp" >"$T/$1.out" 2>"$T/$1.err" &
	BTAP_PID=$!
	url=""
	for _ in $(seq 1 600); do
		url=$(sed -n 's|^btap: procfs files at \(http://.*\)/NAME$|\1|p' "$T/$1.err")
		[ -n "$url" ] && return
		sleep 0.1
	done
	fail "$2: no address announced: $(cat "$T/$1.err")"
}

# ---- procfs probes and probe prometheus ----------------------------------------
# No --metrics: the files get a loopback port of their own, said on stderr.
# GET /metrics runs the script's `probe prometheus` (stap's
# @prometheus_dump_* macros), GET /NAME a read probe (cut at .maxsize),
# PUT and POST /NAME a write probe with the body in $value.
cat >"$T/p.stp" <<'STP'
global arr, procname, last, writes
probe begin { procname[7] = "cat" }
probe kernel.trace("sched:sched_process_exec") {
	if (execname() == "sleep") { arr[7, "exec"]++; arr[8, "sleep\"q"] = 2 }
}
function pname(p) { return sprintf("%s[%d]", procname[p], p) }
probe prometheus {
	@prometheus_dump_array2_map(arr, "calls", "pid", "what", sprint, pname, sprint)
	$value .= "written " . sprint(writes) . "\n"
}
probe procfs("last").read.maxsize(12) { $value = "last=" . last . " and more" }
probe procfs("last").write { last = $value; writes++; printf("wrote %s\n", $value) }
STP
start_served p procfs
if [ -n "$url" ]; then
	sleep 1.2 # sleep(1) runs: an exec to count
	put=$(curl -s -o /dev/null -w '%{http_code}' -X PUT --data-binary 'abc' "$url/last")
	curl -s -X POST --data-binary 'xyz' "$url/last" >/dev/null
	curl -s "$url/metrics" >"$T/p.scrape"
	last=$(curl -s "$url/last")
	code404=$(curl -s -o /dev/null -w '%{http_code}' "$url/nosuch")
	py_check "procfs: probe prometheus scraped and parsed with the Prometheus parser" "$T/p.scrape" <<'PY'
import sys
from prometheus_client.parser import text_string_to_metric_families
s = {}
for f in text_string_to_metric_families(open(sys.argv[1], encoding="utf-8").read()):
    for x in f.samples:
        s[(x.name, tuple(sorted(x.labels.items())))] = x.value
assert s[("calls", (("pid", "cat[7]"), ("what", "exec")))] >= 1, s
assert s[("calls", (("pid", "[8]"), ("what", 'sleep"q')))] == 2, s
assert s[("written", ())] == 2, s
PY
	if [ "$put" = 204 ] && [ "$last" = "last=xyz and" ] && [ "$code404" = 404 ]; then
		pass "procfs: PUT/POST run the write probe, GET the read probe cut at .maxsize, others 404"
	else
		fail "procfs: PUT $put, GET /last '$last', /nosuch $code404"
	fi
	kill -INT "$BTAP_PID"
	wait "$BTAP_PID"
	rc=$?
	BTAP_PID=""
	if [ $rc = 0 ] && [ "$(cat "$T/p.out")" = "$(printf 'wrote abc\nwrote xyz')" ]; then
		pass "procfs: write probes print in order, SIGINT ends the run"
	else
		fail "procfs: rc $rc, output: $(cat "$T/p.out" "$T/p.err")"
	fi
fi
"$BTAP" -p2 -e 'probe procfs("x").write { $value = "no" }' >/dev/null 2>"$T/err"
if [ $? = 1 ] && grep -q "1:34: error: semantic error: \$value of a procfs write probe is what was written" "$T/err" &&
	[ "$(grep -c error "$T/err")" = 1 ]; then
	pass "procfs: assigning a write probe's \$value is one located error"
else
	fail "procfs write assign: $(cat "$T/err")"
fi

# ---- the JSON tapset (json.stp, json.stpm) ---------------------------------------
# GET /metadata.json describes what json_add_* declared, in declaration
# order; GET /data.json runs `probe json_data`; a metric written twice in
# one read is a run-time error (which ends the run, as stap's errors do).
cat >"$T/jt.stp" <<'STP'
global execs, devs, boom
probe kernel.trace("sched:sched_process_exec") { if (execname() == "sleep") execs++ }
probe json_data {
	@json_output_data_start
	@json_output_numeric_value("execs", execs)
	@json_output_string_value("who", "a b")
	foreach (d+ in devs) {
		@json_output_array_numeric_value("per_dev", d, "count", devs[d])
		@json_output_array_string_value("per_dev", d, "tag", "t" . d)
	}
	if (boom)
		@json_output_numeric_value("execs", 0)
	@json_output_data_end
}
probe procfs("boom").write { boom = 1 }
probe begin {
	json_set_prefix("jtest")
	json_add_numeric_metric("execs", "sleep commands run", "count")
	json_add_string_metric("who", "")
	json_add_array("per_dev", "per device")
	json_add_array_numeric_metric("per_dev", "count", "packets", "")
	json_add_array_string_metric("per_dev", "tag", "a tag")
	devs["lo"] = 5; devs["eth0"] = 3
}
STP
start_served jt json
if [ -n "$url" ]; then
	# run sleep until the exec probe has counted one
	for _ in $(seq 1 50); do
		sleep 0.1
		curl -s "$url/data.json" >"$T/jt.data1"
		grep -q '"execs": [1-9]' "$T/jt.data1" && break
	done
	curl -s "$url/metadata.json" >"$T/jt.meta"
	curl -s "$url/data.json" >"$T/jt.data2"
	py_check "json: metadata.json and data.json parse and hold what the script declared and wrote" \
		"$T/jt.meta" "$T/jt.data1" "$T/jt.data2" <<'PY'
import json, sys
meta = json.load(open(sys.argv[1]))
assert meta["prefix"] == "jtest", meta
m = meta["metrics"]
assert [x["name"] for x in m] == ["execs", "who", "per_dev"], m
assert m[0] == {"name": "execs", "pointer": "/execs", "type": "integer",
                "description": "sleep commands run", "units": "count"}, m[0]
assert m[1] == {"name": "who", "pointer": "/who", "type": "string"}, m[1]
assert m[2]["type"] == "array" and m[2]["index"] == "/__id" and m[2]["description"] == "per device", m[2]
assert m[2]["metrics"] == [
    {"name": "count", "pointer": "/count", "type": "integer", "description": "packets"},
    {"name": "tag", "pointer": "/tag", "type": "string", "description": "a tag"}], m[2]
for f in (sys.argv[2], sys.argv[3]):
    d = json.load(open(f))
    assert d["execs"] >= 1 and d["who"] == "a b", d
    assert d["per_dev"] == [{"__id": "eth0", "count": 3, "tag": "teth0"},
                            {"__id": "lo", "count": 5, "tag": "tlo"}], d
PY
	curl -s -X PUT --data-binary 1 "$url/boom" >/dev/null
	curl -s "$url/data.json" >/dev/null
	wait "$BTAP_PID"
	rc=$?
	BTAP_PID=""
	if [ $rc = 1 ] && grep -q "^ERROR: Metric 'execs' already output" "$T/jt.err"; then
		pass "json: a metric written twice in one read is a run-time error"
	else
		fail "json: rc $rc, no error for a metric written twice: $(cat "$T/jt.err")"
	fi
fi

# ---- -o FILE with switch_file() and -S SIZE[,N] ---------------------------------
# switch_file() from the runner (begin) and from a kernel probe: the output
# so far stays where it is, what follows goes to FILE.1, FILE.2 ...
mkdir -p "$T/sw"
timeout "$LIMIT" "$BTAP" -o "$T/sw/out" -c 'python3 -c "import os; os.getppid()"' -e '
global once
probe begin { println("a"); switch_file(); println("b") }
probe kernel.trace("syscalls:sys_enter_getppid") {
	if (execname() == "python3" && !once++) { println("k1"); switch_file(); println("k2") }
}
probe end { println("end") }' >"$T/out" 2>"$T/err"
rc=$?
if [ $rc = 0 ] && [ "$(cat "$T/sw/out")" = a ] && [ "$(cat "$T/sw/out.1")" = "$(printf 'b\nk1')" ] &&
	[ "$(cat "$T/sw/out.2")" = "$(printf 'k2\nend')" ] && [ ! -e "$T/sw/out.3" ] && [ ! -s "$T/out" ]; then
	pass "switch_file() in the runner and in a kernel probe: FILE, FILE.1, FILE.2"
else
	fail "switch_file: rc $rc, $(head -3 "$T/sw/"out* "$T/err" 2>&1)"
fi
# -S 1: a new file each MB (FILE.0 first), nothing lost or reordered; -S 1,2
# keeps the newest two
rm -rf "$T/sw" && mkdir -p "$T/sw"
big='probe begin { for (i = 0; i < 25000; i++) printf("%099d\n", i); exit() }'
timeout "$LIMIT" "$BTAP" -S 1 -o "$T/sw/all" -e "$big" 2>"$T/err"
rc1=$?
timeout "$LIMIT" "$BTAP" -S 1,2 -o "$T/sw/kept" -e "$big" 2>>"$T/err"
rc2=$?
seq -f '%099.0f' 0 24999 >"$T/sw/want"
sizes_ok=1
for f in "$T/sw/all.0" "$T/sw/all.1" "$T/sw/all.2" "$T/sw/kept.1" "$T/sw/kept.2"; do
	[ -f "$f" ] && [ "$(wc -c <"$f")" -le 1048576 ] || sizes_ok=0
done
kept=$(cat "$T/sw/kept.1" "$T/sw/kept.2" 2>/dev/null | wc -c)
tail -c "$kept" "$T/sw/want" >"$T/sw/tail"
if [ $rc1 = 0 ] && [ $rc2 = 0 ] && [ $sizes_ok = 1 ] && [ ! -e "$T/sw/all.3" ] && [ ! -e "$T/sw/kept.0" ] &&
	cat "$T/sw/all.0" "$T/sw/all.1" "$T/sw/all.2" | cmp -s - "$T/sw/want" && [ "$kept" -gt 1048576 ] &&
	cat "$T/sw/kept.1" "$T/sw/kept.2" | cmp -s - "$T/sw/tail"; then
	pass "-S 1: files of at most 1 MB, FILE.0 on, the output whole; -S 1,2 keeps the newest two"
else
	fail "-S: rc $rc1/$rc2, sizes ok $sizes_ok, files: $(ls -l "$T/sw" | tr '\n' ' ') $(cat "$T/err")"
fi
"$BTAP" -S 1 -e 'probe begin { exit() }' >"$T/out" 2>&1
rc=$?
if [ $rc = 1 ] && grep -q "^btap: -S needs -o FILE" "$T/out"; then
	pass "-S without -o is refused"
else
	fail "-S without -o: rc $rc: $(cat "$T/out")"
fi

# an address that cannot be served (not this machine's) is an error
# before any probe runs
timeout "$LIMIT" "$BTAP" --metrics=192.0.2.1:9100 -e 'probe begin { println("ran"); exit() }' \
	>"$T/out" 2>"$T/err"
rc=$?
if [ $rc = 1 ] && grep -q "cannot serve metrics on '192.0.2.1:9100': Cannot assign requested address" "$T/err" && ! grep -q ran "$T/out"; then
	pass "metrics: an address not served fails the run before begin"
else
	fail "metrics bad address: rc $rc: $(cat "$T/err" "$T/out")"
fi

summary output
