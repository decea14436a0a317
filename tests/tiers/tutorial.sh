#!/bin/sh
# docs/tutorial.md, run: every command in its ```console blocks ("$ CMD",
# sudo dropped) runs in a scratch directory holding the files the tutorial
# asks the reader to save (a "<!-- file: NAME -->" line before a block), and
# what it prints must have the shape the tutorial shows. Shape: a run of
# digits matches any number, a run of blanks any run of blanks, a run of @
# any run of @ (a histogram bar), "..." within a line any text, and a line
# that is only "..." any number of lines.
. "$(dirname "$0")/../lib.sh"
cd "$ROOT" || exit 1
T=$(mktemp -d /tmp/btap-tutorial.XXXXXX)
trap 'rm -rf "$T"' EXIT
if [ "$(id -u)" != 0 ]; then
	skip "tutorial: its scripts need root"
	summary tutorial
	exit $?
fi
# The tutorial's reader has btap installed; here it is the tree's.
PATH=$ROOT:$PATH LANG=C LC_ALL=C ${PYTHON:-python3} - docs/tutorial.md "$T" >"$T/result" 2>&1 <<'PY'
import re, subprocess, sys, os

doc, work = sys.argv[1], sys.argv[2]
text = open(doc, encoding="utf-8").read().split("\n")

def shape(line):
    """A regex for one expected output line."""
    out, i = "", 0
    for tok in re.findall(r"\.\.\.|\d+|[ \t]+|@+|.", line):
        if tok == "...":
            out += ".*"
        elif tok.isdigit():
            out += r"\d+"
        elif tok.isspace():
            out += r"[ \t]+"
        elif tok[0] == "@":
            out += "@*"
        else:
            out += re.escape(tok)
    return re.compile(out + r"\Z")

def matches(want, got):
    """want: expected lines (shapes); got: actual lines."""
    if not want:
        return not got
    if want[0].strip() == "...":
        return any(matches(want[1:], got[k:]) for k in range(len(got) + 1))
    return bool(got) and shape(want[0]).match(got[0]) is not None and matches(want[1:], got[1:])

def trim(lines):
    while lines and not lines[-1].strip():
        lines = lines[:-1]
    return lines

# Walk the document: files to write and console blocks to run.
examples, i, pending_file = [], 0, None
while i < len(text):
    m = re.match(r"<!-- file: (\S+) -->\s*$", text[i])
    if m:
        pending_file = m.group(1)
        i += 1
        continue
    if text[i].startswith("```"):
        kind = text[i][3:].strip()
        j = i + 1
        while j < len(text) and not text[j].startswith("```"):
            j += 1
        body = text[i + 1:j]
        if pending_file:
            with open(os.path.join(work, pending_file), "w") as f:
                f.write("\n".join(body) + "\n")
            pending_file = None
        elif kind == "console":
            cur = None
            for ln in body:
                if ln.startswith("$ "):
                    cur = {"cmd": ln[2:], "want": [], "line": i + 1}
                    examples.append(cur)
                elif cur is not None:
                    cur["want"].append(ln)
        i = j + 1
        continue
    i += 1

for ex in examples:
    cmd = re.sub(r"^sudo ", "", ex["cmd"])
    name = "tutorial line %d: %s" % (ex["line"], cmd if len(cmd) < 60 else cmd[:57] + "...")
    try:
        p = subprocess.run(["sh", "-c", cmd], cwd=work, capture_output=True, text=True, timeout=60)
        got = (p.stdout + p.stderr).split("\n")
    except subprocess.TimeoutExpired:
        print("FAIL: %s: did not finish in 60 s" % name)
        continue
    want, got = trim(ex["want"]), trim(got)
    # The shape must still tell outputs apart: one line more, or a word
    # changed, does not match.
    strict = not matches(want + ["never printed"], got) and \
        not any(matches(want[:k] + [re.sub(r"[a-z]", "Q", want[k], 1)] + want[k + 1:], got)
                for k in range(len(want)) if re.search(r"[a-z]", want[k]))
    if not strict:
        print("FAIL: %s: the shape shown would match other output too" % name)
    elif p.returncode == 0 and matches(want, got):
        print("PASS: %s" % name)
    else:
        print("FAIL: %s (exit %d)" % (name, p.returncode))
        print("  shown:\n    " + "\n    ".join(want))
        print("  printed:\n    " + "\n    ".join(got[:20]))
if len(examples) < 8:
    print("FAIL: only %d examples found in %s" % (len(examples), doc))
PY
grep -v '^PASS' "$T/result"
PASSED=$(grep -c '^PASS' "$T/result")
FAILED=$(grep -c '^FAIL' "$T/result")
summary tutorial
