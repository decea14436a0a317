#!/bin/sh
# User-space tier: what tests/live/uprobe/*.stp (exact output) does not
# cover about process("PATH") probes on the test programs of
# tests/uprobe/ (built by `make san` into build/uprobe/): listing with
# -l/-L, how a program is named (relative path, $PATH, a library by name,
# -c and -x targets, process(PID)), located errors, and that a SIGKILLed
# btap leaves no uprobe registered.
. "$(dirname "$0")/../lib.sh"
cd "$ROOT" || exit 1
T=$(mktemp -d /tmp/btap-uprobe.XXXXXX)
trap 'rm -rf "$T"; [ -n "$bg" ] && kill "$bg" 2>/dev/null' EXIT
LIMIT=${LIVE_TIMEOUT:-60}
U=build/uprobe
TARGET=$U/target
ok_if() { if eval "$2"; then pass "$1"; else fail "$1"; head -5 "$T/err" 2>/dev/null; fi; }

if [ ! -x "$TARGET" ] || [ ! -x "$U/usdt" ]; then
	fail "the test programs are not built (make san builds $U)"
	summary uprobe
	exit
fi

# ---- listing (no root needed) ---------------------------------------------
"$BTAP" -L "process(\"$TARGET\").function(\"*\")" >"$T/out" 2>"$T/err"
ok_if "-L lists DWARF functions with typed parameters and locals" \
	"grep -q 'function(\"add@tests/uprobe/target.c:[0-9]*\") \$a:int \$b:int \$sum:int\$' $T/out"
ok_if "-L shows struct pointers and strings as stap does" \
	"grep -q 'chain@.* \$o:struct outer\*\$' $T/out && grep -q 'greet@.* \$who:const char\* \$times:int' $T/out"
ok_if "-L names the program by its absolute path" "grep -q \"^process(\\\"$ROOT/$TARGET\\\")\" $T/out"
"$BTAP" -L "process(\"$TARGET\").function(\"mixed\").return" >"$T/out" 2>"$T/err"
ok_if "-L of a .return point shows \$return" "grep -q '\.return \$return:long int\$' $T/out"
"$BTAP" -L "process(\"$U/usdt\").mark(\"*\")" >"$T/out" 2>"$T/err"
ok_if "-L lists USDT marks with their argument counts" \
	"[ \$(wc -l <$T/out) = 3 ] && grep -q 'mark(\"request\") \$arg1:long \$arg2:long \$arg3:long\$' $T/out &&
	 grep -q 'mark(\"finish\")\$' $T/out"
"$BTAP" -l "process(\"$U/target-nodebug\").function(\"*\")" >"$T/out" 2>"$T/err"
ok_if "a program without DWARF lists its functions by symbol" \
	"grep -q 'function(\"add\")\$' $T/out && grep -q 'function(\"main\")\$' $T/out"
LIBC=$(ldd "$TARGET" | sed -n 's/.*libc\.so\.6 => \([^ ]*\) .*/\1/p')
if [ -n "$LIBC" ]; then
	"$BTAP" -l "process(\"$LIBC\").function(\"mallo*\")" >"$T/out" 2>"$T/err"
	# with libc's debug symbols installed the DWARF name (__libc_malloc@...)
	ok_if "a shared library by path: libc's malloc" "grep -E -q 'function\(\"(__libc_)?malloc(@[^\"]*)?\"\)\$' $T/out"
	"$BTAP" -l 'process("libc.so.6").function("free")' >"$T/out" 2>"$T/err"
	ok_if "a library by name is found in the system's library directories" \
		"grep -E -q 'function\(\"(__libc_)?free(@[^\"]*)?\"\)\$' $T/out"
else
	skip "no libc.so.6 in ldd's output for $TARGET"
fi
# a script written for a /lib64 layout, on a multiarch one (Debian's)
MA=$(dirname "$LIBC")
if [ -n "$LIBC" ] && [ ! -e /lib64/libc.so.6 ] && [ "$(realpath "$MA")" = "$(realpath /usr/lib/"$(basename "$MA")")" ]; then
	"$BTAP" -p2 -e 'probe process("/lib64/libc.so.6").function("free"), process("/lib*/libc.so*").function("free") {}' \
		>"$T/out" 2>"$T/err"
	ok_if "process(\"/lib64/libc.so.6\") and \"/lib*/libc.so*\" on a multiarch system: its libc, with a warning" \
		"[ \$(grep -c '^process(\"$(realpath "$LIBC")\").function(\"\(__libc_\)\?free' $T/out) = 2 ] &&
		 [ \$(grep -c 'warning: process(.*keeps its libraries in another directory: probing /usr/lib/$(basename "$MA")/libc.so' $T/err) = 2 ]"
	"$BTAP" -p2 -e 'probe process("/lib64/libnosuch.so.6").function("free") {}' >"$T/out" 2>"$T/err"
	ok_if "a /lib64 library that does not exist in either layout: no such file" "grep -q 'no such file' $T/err"
else
	skip "the /lib64 fallback needs a multiarch libc and no /lib64/libc.so.6"
fi
"$BTAP" -L "process(\"$TARGET\").library(\"libufix.so\").function(\"*\")" >"$T/out" 2>"$T/err"
ok_if "library(\"NAME\"): a library the program needs, found through its \$ORIGIN runpath" \
	"grep -q \"^process(\\\"$ROOT/$U/libufix.so\\\").function(\\\"ufix_mul@tests/uprobe/ufix.c:[0-9]*\\\") \\\$a:int \\\$b:int\\\$\" $T/out"
"$BTAP" -l "process(\"$TARGET\").library(\"libc\").function(\"free\")" >"$T/out" 2>"$T/err"
ok_if "library(\"libc\") names the libc the program loads" "grep -q 'libc.so.6\").function(\"' $T/out"
(cd "$U" && PATH="$PWD:$PATH" "$BTAP" -l 'process("target").function("add")') >"$T/out" 2>"$T/err"
ok_if "a bare command name is looked up in \$PATH" "grep -q \"process(\\\"$ROOT/$TARGET\\\")\" $T/out"

# the catalog of a binary is kept on disk: a second listing reads it, a
# changed binary is read again, a damaged entry is ignored
cp "$TARGET" "$T/prog"
XDG_CACHE_HOME="$T/cache" "$BTAP" -L "process(\"$T/prog\").function(\"*\")" >"$T/l1" 2>"$T/err"
XDG_CACHE_HOME="$T/cache" "$BTAP" -L "process(\"$T/prog\").function(\"*\")" >"$T/l2" 2>"$T/err"
entries=$(ls "$T/cache/btap/ubin" 2>/dev/null | wc -l)
ok_if "the catalog cache: one entry, the same listing from it" "[ $entries = 1 ] && [ -s $T/l1 ] && cmp -s $T/l1 $T/l2"
cp "$U/target-nodebug" "$T/prog"
XDG_CACHE_HOME="$T/cache" "$BTAP" -L "process(\"$T/prog\").function(\"add\")" >"$T/l3" 2>"$T/err"
ok_if "a changed binary is read again (now without DWARF)" "[ \"\$(cat $T/l3)\" = 'process(\"$T/prog\").function(\"add\")' ]"
for e in "$T"/cache/btap/ubin/*; do head -c 100 "$e" >"$e.cut" && mv "$e.cut" "$e"; done
XDG_CACHE_HOME="$T/cache" "$BTAP" -L "process(\"$T/prog\").function(\"add\")" >"$T/l4" 2>"$T/err"
ok_if "a damaged cache entry is ignored" "cmp -s $T/l3 $T/l4"

# ---- errors ---------------------------------------------------------------
bad() { # NAME SCRIPT TEXT [OPTS]: pass 2 fails, located, saying TEXT
	"$BTAP" -p2 $4 -e "$2" >"$T/out" 2>"$T/err"
	rc=$?
	ok_if "$1" "[ $rc != 0 ] && grep -q '^<input>:1:[0-9]*: error: ' $T/err && grep -q -- \"$3\" $T/err"
}
bad "a missing program" 'probe process("no-such-program").function("x") {}' 'no such command in \$PATH'
bad "a file that is not ELF" 'probe process("/etc/hostname").function("x") {}' 'not an ELF file'
bad "a function that does not exist" "probe process(\"$TARGET\").function(\"nosuch\") {}" 'nothing of that name in the binary'
bad "process.function without a target" 'probe process.function("add") {}' 'needs a target process'
bad "a variable without DWARF names the missing debuginfo" \
	"probe process(\"$U/target-nodebug\").function(\"add\") { println(\$a) }" 'has no DWARF debug information'
bad "an unknown variable lists the available ones" \
	"probe process(\"$TARGET\").function(\"add\") { println(\$nosuch) }" 'available at this probe point: \$a:int \$b:int'
bad "a mark argument past the last" \
	"probe process(\"$U/usdt\").mark(\"start\") { println(\$arg3) }" "unable to find target variable '\\\$arg3'"
bad "members of an integer" "probe process(\"$TARGET\").function(\"add\") { println(\$a->x) }" "'int' has no member 'x'"

# ---- running (root) --------------------------------------------------------
why_not=$(live_why_not)
if [ -n "$why_not" ]; then
	skip "running uprobes: $why_not"
	summary uprobe
	exit
fi

# process.function names the -c command's program, and only its process
timeout "$LIMIT" "$BTAP" -c "$TARGET 3" -e 'global n
probe process.function("add") { n++ }
probe end { printf("%d\n", n) }' >"$T/out" 2>"$T/err"
ok_if "process.function with -c: the command's program" "[ \"\$(cat $T/out)\" = 3 ]"

# a program built with gcc -g and no -O is unoptimized: the probe goes
# after the prologue, where the parameters' stack slots hold them
timeout "$LIMIT" "$BTAP" -c "$U/target-noopt 1" -e 'probe process("'"$U"'/target-noopt").function("add") { printf("%d %d\n", $a, $b) }' >"$T/out" 2>"$T/err"
ok_if "parameters of a program built without -O" "[ \"\$(head -1 $T/out)\" = '3 4' ]"

# -x PID: a process already running; process(PID) the same way
"$TARGET" loop 2000000000 &
bg=$!
sleep 0.2
timeout "$LIMIT" "$BTAP" -x $bg -e 'global n, same
probe process.function("tick") { n++; same = pid() == target(); if (n == 1000) exit() }
probe end { printf("%d %d\n", n, same) }' >"$T/out" 2>"$T/err"
ok_if "process.function with -x PID" "[ \"\$(cat $T/out)\" = '1000 1' ]"
timeout "$LIMIT" "$BTAP" -e "global n, p
probe process($bg).function(\"tick\") { n++; p = pid(); if (n == 50) exit() }
probe end { printf(\"%d %d\\n\", n, p == $bg) }" >"$T/out" 2>"$T/err"
ok_if "process(PID).function fires in that process" "[ \"\$(cat $T/out)\" = '50 1' ]"

# scripts/ucalltree.stp: the call tree of the test program, indented
timeout "$LIMIT" "$BTAP" -c "$TARGET 1" scripts/ucalltree.stp >"$T/out" 2>"$T/err"
sed 's/^ *[0-9]* target([0-9]*)://; s/argv=0x[0-9a-f]*/argv=ADDR/' "$T/out" >"$T/tree"
printf '%s\n' ' -> main(argc=0x2 argv=ADDR)' '  -> add(a=0x3 b=0x4)' '  <- add = 7' >"$T/want"
ok_if "ucalltree.stp: calls, parameters, returns, nesting" \
	"head -3 $T/tree | cmp -s - $T/want && grep -q '^    -> depth(n=0x1)\$' $T/tree &&
	 grep -q '^    <- depth = 1\$' $T/tree && [ \$(grep -c -- '->' $T/tree) = \$(grep -c -- '<-' $T/tree) ] &&
	 tail -1 $T/tree | grep -q '^ <- main = 0\$'"
timeout "$LIMIT" "$BTAP" -c "$TARGET 1" scripts/ucalltree.stp 'mix*' >"$T/out" 2>"$T/err"
ok_if "ucalltree.stp with a pattern" "[ \$(wc -l <$T/out) = 2 ] && grep -q -- '-> mixed(c=' $T/out"

# registers and arguments by position, where there is no DWARF
timeout "$LIMIT" "$BTAP" -c "$U/target-nodebug 1" -e 'probe process("'"$U"'/target-nodebug").function("mixed") {
	printf("%d %d %d %d %d %x\n", int_arg(1), int_arg(2), uint_arg(3), long_arg(4), register("edi"), u_register("edi")) }' \
	>"$T/out" 2>"$T/err"
ok_if "int_arg(), long_arg(), register() without DWARF" \
	"[ \"\$(cat $T/out)\" = '-5 -300 4000000000 -1234567890123 -5 fffffffb' ]"
timeout "$LIMIT" "$BTAP" -e 'probe begin { println(int_arg(1)) }' >"$T/out" 2>"$T/err"
rc=$?
ok_if "int_arg() outside a probe with registers is a run-time error" \
	"[ $rc = 1 ] && grep -q 'not available at this probe point' $T/err"
# print_regs(): stap's layout, the arguments in their registers, rip where
# the probe hit; ustack(0) is that address too
timeout "$LIMIT" "$BTAP" -c "$U/target-nodebug 1" -e 'probe process("'"$U"'/target-nodebug").function("mixed") {
	print_regs(); printf("%016x %d %s\n", uaddr(), ustack(0) == uaddr(), probe_type()) }' >"$T/out" 2>"$T/err"
ok_if "print_regs() at a process probe" \
	"[ \$(wc -l <$T/out) = 9 ] && sed -n 1p $T/out | grep -q \"^RIP: \$(sed -n 9p $T/out | cut -d' ' -f1)\\\$\" &&
	 sed -n 2p $T/out | grep -Eq '^RSP: [0-9a-f]{16}  EFLAGS: [0-9a-f]{8}\$' &&
	 sed -n 4p $T/out | grep -Eq '^RDX: [0-9a-f]{8}ee6b2800 RSI: [0-9a-f]{8}fffffed4 RDI: [0-9a-f]{8}fffffffb\$' &&
	 sed -n 8p $T/out | grep -q '^CS:  0033\$' && sed -n 9p $T/out | grep -q ' 1 uprobe\$'"

# addr() at a process probe: where it hit, as uaddr(); cmdline_str()
timeout "$LIMIT" "$BTAP" -c "$TARGET 1" -e "probe process(\"$TARGET\").function(\"add\") {
	printf(\"%d [%s]\\n\", addr() == uaddr() && addr() != 0, cmdline_str()) }" >"$T/out" 2>"$T/err"
ok_if "addr() and cmdline_str() at a process probe" "[ \"\$(cat $T/out)\" = '1 [$TARGET 1]' ]"
# returnval()/returnstr() at a process function's return; an error where
# nothing returns
timeout "$LIMIT" "$BTAP" -c "$TARGET 1" -e "probe process(\"$TARGET\").function(\"add\").return {
	printf(\"%d %d %s\\n\", returnval(), \$return, returnstr(2)) }" >"$T/out" 2>"$T/err"
ok_if "returnval() and returnstr() at a .return probe" "[ \"\$(cat $T/out)\" = '7 7 0x7' ]"
timeout "$LIMIT" "$BTAP" -c 'cat /dev/null' -e 'probe kernel.trace("syscalls:sys_enter_close") {
	if (pid() == target()) println(returnval()) }' >"$T/out" 2>"$T/err"
ok_if "returnval() outside a .return probe is a run-time error" "grep -q 'returnval() needs the return of a function' $T/err"

# stacks: collected in the kernel, symbolised by the runner after the
# program has exited (user frames by build-id), as keys of an array
timeout "$LIMIT" "$BTAP" -c "$TARGET 2" -e 'global s
probe process("'"$TARGET"'").function("depth") { if ($n == 0) s[ubacktrace()] <<< 1 }
probe end { foreach (k in s) { printf("%d\n", @count(s[k])); print_ustack(k); println(sprint_stack_folded(k)); println(k) } }' \
	>"$T/out" 2>"$T/err"
ok_if "user stacks: one key for two equal stacks, symbolised frames, folded, addresses" \
	"[ \"\$(head -1 $T/out)\" = 2 ] && [ \$(grep -c ' : depth+0x[0-9a-f]*/0x[0-9a-f]* \[$ROOT/$TARGET\]\$' $T/out) = 4 ] &&
	 sed -n 6p $T/out | grep -q ' : main+0x[0-9a-f]*/0x[0-9a-f]* \[$ROOT/$TARGET\]\$' &&
	 grep -q 'main;depth;depth;depth;depth\$' $T/out && tail -1 $T/out | grep -q '^0x[0-9a-f]* 0x[0-9a-f]* 0x'"
# print_ubacktrace_brief() and print_ubacktrace_fileline(): stap's brief
# and fuller lines, the source lines from the program's DWARF
timeout "$LIMIT" "$BTAP" -c "$TARGET 1" -e 'global d
probe process("'"$TARGET"'").function("depth") { if ($n == 0 && !d++) { print_ubacktrace_brief(); print_ubacktrace_fileline() } }' \
	>"$T/out" 2>"$T/err"
dl=$(grep -n 'return depth(n - 1) + 1;' tests/uprobe/target.c | head -1 | cut -d: -f1)
ok_if "print_ubacktrace_brief() and print_ubacktrace_fileline()" \
	"sed -n 1p $T/out | grep -q '^depth+0x[0-9a-f]*\$' && sed -n 5p $T/out | grep -q '^main+0x[0-9a-f]*\$' &&
	 grep -q '^ 0x[0-9a-f]\{16\} : depth+0x[0-9a-f]*/0x[0-9a-f]* at tests/uprobe/target.c:$dl \[$ROOT/$TARGET\]\$' $T/out &&
	 [ \$(grep -c ' at tests/uprobe/target.c:[0-9]* ' $T/out) -ge 5 ]"
# umodaddr(): the address less its mapping's start (the text segment's:
# add's symbol value less the segment's address); umodbuildid(): the
# program's build-id; an unmapped address is an error
NB=$U/target-nodebug
timeout "$LIMIT" "$BTAP" -c "$NB 1" -e 'global s, e
probe process("'"$NB"'").function("add") { if (s == "") { s = sprintf("%x %s", umodaddr(uaddr()), umodbuildid(uaddr())); try { umodaddr(8) } catch (x) { e = x } } }
probe end { println(s); println(e) }' >"$T/out" 2>"$T/err"
sym=$(nm "$NB" | sed -n 's/^0*\([0-9a-f]*\) T add$/\1/p')
seg=$(readelf -lW "$NB" | awk '$1 == "LOAD" && / E / { print $3 }')
bid=$(readelf -n "$NB" | sed -n 's/.*Build ID: //p')
ok_if "umodaddr() and umodbuildid() at a process probe" \
	"[ \"\$(head -1 $T/out)\" = \"\$(printf '%x' \$((0x$sym - $seg))) $bid\" ] && sed -n 2p $T/out | grep -q '^umodaddr 0x8 unknown\$'"
# one user address: the mapping found in the probe, named after the
# process has exited (a program's function and a library's)
timeout "$LIMIT" "$BTAP" -c "$TARGET 1" -e 'global s, d, m, l
probe process("'"$TARGET"'").function("add") { s = usymname(uaddr()); d = usymdata(uaddr()); m = umodname(uaddr()) }
probe process("'"$TARGET"'").library("libufix.so").function("ufix_mul") { l = umodname(uaddr()) . " " . usymname(uaddr()) }
probe end { printf("%s|%s|%s|%s\n", s, d, m, l) }' >"$T/out" 2>"$T/err"
ok_if "usymname/usymdata/umodname after the process has gone" \
	"grep -q '^add|add+0x[0-9a-f]*/0x[0-9a-f]* \[$ROOT/$TARGET\]|$ROOT/$TARGET|$ROOT/$U/libufix.so ufix_mul\$' $T/out"
# the source line of an address (the probe sits after add()'s prologue, on
# its first statement), after the process has gone; hex without DWARF
line=$(grep -n 'int sum = a + b;' tests/uprobe/target.c | head -1 | cut -d: -f1)
timeout "$LIMIT" "$BTAP" -c "$TARGET 1" -e 'global fl, f, l, nd
probe process("'"$TARGET"'").function("add") { fl = usymfileline(uaddr()); f = usymfile(uaddr()); l = usymline(uaddr()) }
probe end { printf("%s|%s|%s\n", fl, f, l) }' >"$T/out" 2>"$T/err"
timeout "$LIMIT" "$BTAP" -c "$U/target-nodebug 1" -e 'probe process("'"$U/target-nodebug"'").function("add") { printf("%s\n", usymfileline(uaddr())); exit() }' \
	>"$T/out2" 2>>"$T/err"
ok_if "usymfileline/usymfile/usymline from the DWARF line table, hex without it" \
	"[ \"\$(cat $T/out)\" = 'tests/uprobe/target.c:$line|tests/uprobe/target.c|$line' ] && grep -q '^0x[0-9a-f]*\$' $T/out2"
timeout "$LIMIT" "$BTAP" -c "$TARGET 1" -e 'probe kernel.trace("syscalls:sys_enter_exit_group") {
	if (pid() == target()) { b = backtrace(); printf("%s\n%s\n", b, sprint_stack_folded(b)); print_stack(b) } }' \
	>"$T/out" 2>"$T/err"
ok_if "kernel stacks: addresses, folded, symbolised from kallsyms" \
	"head -1 $T/out | grep -q '^0xffff[0-9a-f]*\( 0xffff[0-9a-f]*\)*\$' && sed -n 2p $T/out | grep -q 'do_syscall_64;' &&
	 grep -q '^ 0xffff[0-9a-f]* : do_syscall_64+0x[0-9a-f]*/0x[0-9a-f]* \[kernel\]\$' $T/out"
timeout "$LIMIT" "$BTAP" -e 'probe begin { printf("[%s] %s %s\n", backtrace(), symname(0), symdata(0)); exit() }' \
	>"$T/out" 2>"$T/err"
ok_if "backtrace() in a runner probe is empty; an unknown address prints in hex" "[ \"\$(cat $T/out)\" = '[] 0x0 0x0' ]"

# statement("FUNC@FILE:LINE") from the line table: a local assigned on
# the line before is visible
line=$(grep -n 'return sum;' tests/uprobe/target.c | cut -d: -f1)
timeout "$LIMIT" "$BTAP" -c "$TARGET 2" -e "probe process(\"$TARGET\").statement(\"add@target.c:$line\") {
	printf(\"%s a=%d b=%d sum=%d\\n\", pp(), \$a, \$b, \$sum) }" >"$T/out" 2>"$T/err"
ok_if "statement(\"add@target.c:$line\"): twice, with the local" \
	"[ \$(grep -c \"^process(\\\"$ROOT/$TARGET\\\").statement(\\\"add@tests/uprobe/target.c:$line\\\") a=3 b=4 sum=7\$\" $T/out) = 2 ]"
"$BTAP" -l "process(\"$TARGET\").statement(\"*@target.c:$line\")" >"$T/out" 2>"$T/err"
ok_if "statement(\"*@FILE:LINE\") lists the function holding the line" "[ \$(grep -c 'statement(\"add@' $T/out) = 1 ]"
# line lists, ranges, * (every line of the function) and +N (lines after
# the function's declaration), each line where it starts
decl=$(grep -n '^__attribute__((noinline)) int add(' tests/uprobe/target.c | cut -d: -f1)
lines_of() { sed -n 's/.*statement("[a-z]*@tests\/uprobe\/target.c:\([0-9]*\)")$/\1/p' "$T/out" | tr '\n' ' '; }
"$BTAP" -l "process(\"$TARGET\").statement(\"add@target.c:*\")" >"$T/out" 2>"$T/err"
ok_if "statement(\"add@FILE:*\"): every line of add, opening to closing brace" \
	"[ \"\$(lines_of)\" = '$((decl + 1)) $((decl + 2)) $((decl + 3)) $((decl + 4)) ' ]"
"$BTAP" -l "process(\"$TARGET\").statement(\"add@target.c+2\")" >"$T/out" 2>"$T/err"
ok_if "statement(\"add@FILE+2\"): two lines after the declaration" "[ \"\$(lines_of)\" = '$((decl + 2)) ' ]"
"$BTAP" -l "process(\"$TARGET\").statement(\"*@target.c:$((decl + 2))-$((decl + 3)),$((decl + 8))\")" >"$T/out" 2>"$T/err"
ok_if "statement(\"*@FILE:N-M,K\"): a range and a line, in two functions" \
	"[ \"\$(lines_of)\" = '$((decl + 2)) $((decl + 3)) $((decl + 8)) ' ] && grep -q 'chain@' $T/out"
timeout "$LIMIT" "$BTAP" -c "$TARGET 1" -e "probe process(\"$TARGET\").statement(\"add@target.c:*\") { printf(\"%s \", pp()) }" \
	>"$T/out" 2>"$T/err"
ok_if "statement(\"add@FILE:*\") fires line by line" \
	"[ \"\$(sed 's/process(\"[^\"]*\").statement(\"add@tests\/uprobe\/target.c:\([0-9]*\)\")/\\1/g' $T/out)\" = '$((decl + 1)) $((decl + 2)) $((decl + 3)) $((decl + 4)) ' ]"
"$BTAP" -l "process(\"$TARGET\").function(\"*@target.c:$decl-$((decl + 11))\")" >"$T/out" 2>"$T/err"
ok_if "function(\"*@FILE:N-M\"): the functions declared in those lines" \
	"[ \"\$(sed 's/.*function(\"\([a-z]*\)@.*/\\1/' $T/out | tr '\\n' ' ')\" = 'add chain greet ' ]"
# .nearest: a line without code (a declaration without initializer, a
# label) moves to the nearest that has (the later of two as near);
# without it, the error names those lines
nocode=$(grep -n '	void \*p\[3\];' tests/uprobe/target.c | cut -d: -f1)
label=$(grep -n '^odd:' tests/uprobe/target.c | cut -d: -f1)
hdecl=$(grep -n '^__attribute__((noinline)) int halve(' tests/uprobe/target.c | cut -d: -f1)
timeout "$LIMIT" "$BTAP" -c "$TARGET alloc" -e "probe process(\"$TARGET\").statement(\"allocations@target.c:$nocode\").nearest { println(pp()) }" \
	>"$T/out" 2>"$T/err"
ok_if "statement(\"F@FILE:N\").nearest: the next line with code, fired" \
	"[ \"\$(cat $T/out)\" = 'process(\"$ROOT/$TARGET\").statement(\"allocations@tests/uprobe/target.c:$((nocode + 1))\")' ]"
timeout "$LIMIT" "$BTAP" -c "$TARGET 1" -e "probe process(\"$TARGET\").statement(\"halve@target.c+$((label - hdecl))\").nearest { printf(\"%s n=%d\\n\", pp(), \$n) }" \
	>"$T/out" 2>"$T/err"
ok_if "statement(\"F@FILE+N\").nearest: a label's line moves to its statement" \
	"[ \"\$(cat $T/out)\" = 'process(\"$ROOT/$TARGET\").statement(\"halve@tests/uprobe/target.c:$((label + 1))\") n=1' ]"
bad "statement on a line without code" "probe process(\"$TARGET\").statement(\"allocations@target.c:$nocode\") {}" \
	"that line has no code; the nearest that have are $((nocode - 1)) and $((nocode + 1)) (add .nearest"
bad ".nearest on a range" "probe process(\"$TARGET\").statement(\"halve@target.c:1-2\").nearest {}" '.nearest takes one line'
bad "statement with a bad line list" "probe process(\"$TARGET\").statement(\"add@target.c:5-2\") {}" 'a range N-M'
bad "statement without a line" "probe process(\"$TARGET\").statement(\"add@target.c\") {}" 'expected \"FUNCTION@FILE:LINE\"'
bad "statement by line without DWARF" "probe process(\"$U/target-nodebug\").statement(\"*@target.c:$line\") {}" \
	'needs the line table'

# @var: globals of the probed program, relocated in a PIE
timeout "$LIMIT" "$BTAP" -c "$U/usdt 2" -e "probe process(\"$U/usdt\").mark(\"start\") {
	printf(\"%d %d %d\\n\", @var(\"counter\"), @var(\"counter@usdt.c\"), @var(\"ufix_start_semaphore\")) }" \
	>"$T/out" 2>"$T/err"
ok_if "@var(\"name\") and @var(\"name@file\"): a global and a USDT semaphore" "[ \"\$(cat $T/out)\" = '7 7 1' ]"
timeout "$LIMIT" "$BTAP" -c "$TARGET 1" -e "probe process(\"$TARGET\").function(\"add\").return {
	printf(\"%d\\n\", @entry(@var(\"sink\"))) }" >"$T/out" 2>"$T/err"
ok_if "@entry(@var(...)) in a .return probe" "[ \"\$(cat $T/out)\" = 3 ]"
bad "@var of a missing global" "probe process(\"$U/usdt\").mark(\"start\") { println(@var(\"nosuch\")) }" \
	'defines no global variable'

# plt("NAME"): the stubs a program calls library functions through
"$BTAP" -l "process(\"$TARGET\").plt(\"*alloc\")" >"$T/out" 2>"$T/err"
ok_if "plt(\"*alloc\") lists calloc, malloc and realloc" \
	"[ \"\$(sed 's/.*plt(\"\(.*\)\")/\\1/' $T/out | tr '\\n' ' ')\" = 'calloc malloc realloc ' ]"
timeout "$LIMIT" "$BTAP" -c "$TARGET alloc" -e "probe process(\"$TARGET\").plt(\"malloc\") { printf(\"%s(%d)\\n\", \$\$name, ulong_arg(1)) }" \
	>"$T/out" 2>"$T/err"
ok_if "plt(\"malloc\") fires at each call, with \$\$name and the argument" \
	"[ \"\$(tr '\\n' ' ' <$T/out)\" = 'malloc(100) malloc(100) malloc(100) malloc(48) ' ]"
# .plt("NAME").return: a uretprobe at the stub, the library function's result
timeout "$LIMIT" "$BTAP" -c "$TARGET 2" -e "probe process(\"$TARGET\").plt(\"ufix_mul\").return { printf(\"%s=%d\\n\", \$\$name, returnval()) }" \
	>"$T/out" 2>"$T/err"
ok_if "plt(\"ufix_mul\").return fires at each return with the result" \
	"[ \"\$(tr '\\n' ' ' <$T/out)\" = 'ufix_mul=42 ufix_mul=42 ' ]"
# library("*"): every library the program loads (DT_NEEDED, transitively)
"$BTAP" -l "process(\"$TARGET\").library(\"*\").function(\"ufix_m*\")" >"$T/out" 2>"$T/err"
ok_if "library(\"*\") finds the program's libraries" "grep -q 'libufix.so\").function(\"ufix_mul' $T/out"
"$BTAP" -p2 -e "probe process(\"$TARGET\").library(\"libnosuch*\").function(\"f\") { }" >"$T/out" 2>"$T/err"
ok_if "library(\"libnosuch*\"): a located error counting the libraries" \
	"grep -q '^<input>:1:[0-9]*: error: semantic error: no match for library(\"libnosuch\*\"): none of the [0-9]* libraries .* loads' $T/err"
# .plt alone: every stub, as plt("*") (stap's spelling); $$name tells them apart
"$BTAP" -l "process(\"$TARGET\").plt" | sed 's/.*plt(/plt(/' >"$T/all" 2>"$T/err"
"$BTAP" -l "process(\"$TARGET\").plt(\"*\")" | sed 's/.*plt(/plt(/' >"$T/star" 2>>"$T/err"
ok_if ".plt lists what plt(\"*\") lists" "[ -s $T/all ] && grep -q 'plt(\"malloc\")' $T/all && cmp -s $T/all $T/star"
timeout "$LIMIT" "$BTAP" -c "$TARGET alloc" -e "global n
probe process(\"$TARGET\").plt { n[\$\$name]++ }
probe end { printf(\"%d %d\\n\", n[\"malloc\"], n[\"calloc\"]) }" >"$T/out" 2>"$T/err"
ok_if ".plt fires at every stub: 4 mallocs and 1 calloc counted by \$\$name" "[ \"\$(cat $T/out)\" = '4 1' ]"
# probes from one pattern whose bodies come out the same run one program
# (told apart by each attachment's cookie): pp() and $$name stay each
# probe's own, entry and return alike
SHARE="global n, r, pps
probe process(\"$TARGET\").plt, process(\"$TARGET\").library(\"*\").plt { n[\$\$name]++; pps[pp()]++ }
probe process(\"$TARGET\").plt.return { r[\$\$name] <<< 1 }
probe end { printf(\"%d %d %d %d %d\\n\", n[\"malloc\"], n[\"calloc\"], @count(r[\"malloc\"]),
	pps[\"process(\\\"$ROOT/$TARGET\\\").plt(\\\"malloc\\\")\"], pps[\"process(\\\"$ROOT/$TARGET\\\").plt(\\\"calloc\\\")\"]) }"
"$BTAP" -p3 -c "$TARGET alloc" -e "$SHARE" >"$T/c" 2>"$T/err"
nprobes=$(grep -c '^/\* process(' "$T/c")
ok_if "a pattern's probes with the same body share one program each for entries and returns ($nprobes probes)" \
	"[ \$(grep -c '^int bp' $T/c) = 2 ] && [ $nprobes -gt 20 ] && grep -q 'bpf_get_attach_cookie' $T/c"
timeout "$LIMIT" "$BTAP" -c "$TARGET alloc" -e "$SHARE" >"$T/out" 2>"$T/err"
ok_if "shared programs: \$\$name and pp() of each probe (4 mallocs, 1 calloc, 4 returns of malloc)" \
	"[ \"\$(cat $T/out)\" = '4 1 4 4 1' ]"

# process(PID).end: that process's end only
sleep 1 &
sp=$!
sleep 2 &
other=$!
timeout "$LIMIT" "$BTAP" -e "global n, who
probe process($sp).end { n++; who = pid() }
probe process.end { if (pid() == $other) exit() }
probe end { printf(\"%d %d\\n\", n, who == $sp) }" >"$T/out" 2>"$T/err"
wait $sp $other 2>/dev/null
ok_if "process(PID).end fires once, for that process" "[ \"\$(cat $T/out)\" = '1 1' ]"

# process("DIR/PATTERN"): every file the pattern names (those without the
# function, or not ELF, add nothing); no match at all is an error
"$BTAP" -l "process(\"$U/target*\").function(\"add\")" >"$T/out" 2>"$T/err"
ok_if "process(\"DIR/target*\") lists add in each of the four programs" \
	"[ \"\$(sed 's/^process(\"[^\"]*\/\([^\"]*\)\").*/\\1/' $T/out | tr '\\n' ' ')\" = 'target target-O2 target-nodebug target-noopt ' ]"
"$BTAP" -l "process(\"$U/*\").function(\"ufix_mul\")" >"$T/out" 2>"$T/err"
ok_if "process(\"DIR/*\") finds the one library that has the function" \
	"[ \$(wc -l <$T/out) = 1 ] && grep -q 'libufix.so\").function(\"ufix_mul@' $T/out"
bad "process(\"PATTERN\") that names no file" "probe process(\"$U/nosuch*\").function(\"add\") {}" 'no file matches it'

# begin for the processes already running: process(PID).begin once, in
# that process's context; process("PATH").begin for a running copy and for
# the -c program's exec (the loop's own children, caught between fork and
# exec, may count too: left out); process.begin for every running process
cp /bin/dash "$T/busy"
"$T/busy" -c 'while :; do sleep 0.01; done' &
busy=$!
timeout "$LIMIT" "$BTAP" -e "global n
probe process($busy).begin { n++; printf(\"%d %s %s\\n\", pid() == $busy, execname(), pp()) }
probe timer.ms(300) { printf(\"%d\\n\", n); exit() }" >"$T/out" 2>"$T/err"
ok_if "process(PID).begin fires once, in the running process's context" \
	"[ \"\$(tr '\\n' ' ' <$T/out)\" = '1 busy process($busy).begin 1 ' ]"
timeout "$LIMIT" "$BTAP" -c "$T/busy -c 'sleep 0.2'" -e "global seen, all
probe process(\"$T/busy\").begin { if (pid() == $busy || pid() == target()) seen[pid() == $busy, pid() == target()]++ }
probe process.begin { all += pid() == $busy }
probe end { foreach ([b, t+] in seen) printf(\"%d%d:%d \", b, t, seen[b, t]); printf(\"%d\\n\", all) }" \
	>"$T/out" 2>"$T/err"
ok_if "process(\"PATH\").begin: the running copy once, the -c program's exec once; process.begin sees the running one" \
	"[ \"\$(cat $T/out)\" = '10:1 01:1 1' ]"
kill $busy; wait $busy 2>/dev/null

# process("PATH").syscall[.return]: that program's system calls only,
# $syscall, $argN (a string argument) and $return
timeout "$LIMIT" "$BTAP" -c "sh -c 'cat /dev/null; $TARGET 1'" -e "global opens, failed, other
probe process(\"$TARGET\").syscall { if (\$syscall == 257 && user_string(\$arg2) =~ \"libufix.so\$\") opens++ }
probe process(\"$TARGET\").syscall.return { if (\$return < 0) failed++ }
probe process(\"/bin/cat\").syscall { other++ }
probe end { printf(\"%d %d %d\\n\", opens > 0, failed > 0, other > 0) }" >"$T/out" 2>"$T/err"
ok_if "process(\"PATH\").syscall: the program's openat of its library, failed calls, another program apart" \
	"[ \"\$(cat $T/out)\" = '1 1 1' ]"

# process("PATH").thread.begin/.end: threads, not the process itself
# (a joined thread may still be on its way out when pthread_join returns:
# the program waits 0.4 s, or that thread could be the process's last on a
# loaded machine)
printf '%s\n' '#include <pthread.h>' '#include <unistd.h>' 'static void *work(void *a) { return a; }' \
	'int main(void) { pthread_t t[3]; for (int i = 0; i < 3; i++) pthread_create(&t[i], 0, work, 0);' \
	'for (int i = 0; i < 3; i++) pthread_join(t[i], 0); usleep(400000); return 0; }' >"$T/thr.c"
# (Under a full `make check` this printed "3 3 2 1" about one run in six:
# two threads ending at once on two CPUs, and `e++` was a load, an add and
# a store. Global scalars now add atomically: tests/live/lang/atomic-globals.)
if gcc -O1 -pthread -o "$T/thr" "$T/thr.c" 2>"$T/err"; then
	timeout "$LIMIT" "$BTAP" -c "$T/thr" -e "global b, e, nl, pe
probe process(\"$T/thr\").thread.begin { b++; nl += pid() != tid() }
probe process(\"$T/thr\").thread.end { e++ }
probe process(\"$T/thr\").end { pe++ }
probe end { printf(\"%d %d %d %d\\n\", b, nl, e, pe) }" >"$T/out" 2>"$T/err"
	ok_if "thread.begin/.end: 3 threads, none the leader, 1 process end" "[ \"\$(cat $T/out)\" = '3 3 3 1' ]"
else
	fail "cannot build the thread test program"
fi

# @cast(p, "type", "PATH"): a user program's type from its DWARF
timeout "$LIMIT" "$BTAP" -c "$TARGET 1" -e "probe process(\"$TARGET\").function(\"chain\") { p = \$o
	printf(\"%d %d %s\\n\", @cast(p, \"struct outer\", \"$TARGET\")->id, @cast(p, \"struct outer\", \"$TARGET\")->in->x,
	       user_string(@cast(p, \"struct outer\", \"$TARGET\")->in->label)) }" >"$T/out" 2>"$T/err"
ok_if "@cast(p, \"struct outer\", \"PATH\")->in->x through the program's DWARF" "[ \"\$(cat $T/out)\" = '7 42 inner-label' ]"
bad "@cast to a type the program lacks" "probe process(\"$TARGET\").function(\"chain\") { println(@cast(\$o, \"struct nosuch\", \"$TARGET\")->x) }" \
	'has no type'

# &$p->member where $p is held in a register (-O2): the pointer plus the
# member's offset (threadstacks.stp prints &$attr->stacksize so)
timeout "$LIMIT" "$BTAP" -c "$U/target-O2 1" -e "probe process(\"$U/target-O2\").function(\"chain\") {
	printf(\"%d %d\\n\", &\$o->in - \$o, &\$o->arr[2] - \$o) }" >"$T/out" 2>"$T/err"
ok_if "&\$o->member of a pointer held in a register" "[ \"\$(cat $T/out)\" = '8 24' ]"

# scripts/bashreadline.stp: lines typed into an interactive bash (on a
# pseudo-terminal from script(1))
if command -v script >/dev/null && [ -x /bin/bash ]; then
	timeout "$LIMIT" "$BTAP" -c "sh -c 'printf \"echo typed-line\\\\nexit\\\\n\" | script -qfc \"bash --norc --noprofile -i\" /dev/null >/dev/null 2>&1'" \
		scripts/bashreadline.stp >"$T/out" 2>"$T/err"
	ok_if "bashreadline.stp: the typed lines, with the shell's pid" \
		"grep -q '^[0-9:]*  *[0-9]*  *[0-9]*  *echo typed-line\$' $T/out && grep -q '  *exit\$' $T/out"
else
	skip "bashreadline.stp: no script(1) or /bin/bash"
fi

# scripts/mallocstat.stp on `target alloc`: 2 x 100 bytes from alloc_a,
# 300 from the realloc in allocations(), the rest freed
timeout "$LIMIT" "$BTAP" -c "$TARGET alloc" scripts/mallocstat.stp >"$T/out" 2>"$T/err"
ok_if "mallocstat.stp: outstanding bytes by allocating stack" \
	"head -1 $T/out | grep -q '^500 bytes outstanding in 3 allocations\$' &&
	 grep -A1 '^300 bytes in 1 allocations from:\$' $T/out | grep -q ' : allocations+0x' &&
	 grep -A2 '^200 bytes in 2 allocations from:\$' $T/out | grep -q ' : alloc_a+0x' &&
	 grep -A2 '^200 bytes in 2 allocations from:\$' $T/out | grep -q ' : allocations+0x'"

# scripts/usdt-latency.stp between the usdt program's start and finish marks
timeout "$LIMIT" "$BTAP" -c "$U/usdt 3" scripts/usdt-latency.stp start finish >"$T/out" 2>"$T/err"
ok_if "usdt-latency.stp: one interval, with a histogram" \
	"head -1 $T/out | grep -q '^start ... finish: 1 intervals, average [0-9]* us' && grep -q '^value |' $T/out"

# user_mode(): 1 at a uprobe, 0 at a tracepoint
timeout "$LIMIT" "$BTAP" -c "$TARGET 1" -e "probe process(\"$TARGET\").function(\"add\") { printf(\"u%d\\n\", user_mode()) }
probe kernel.trace(\"syscalls:sys_enter_exit_group\") { if (pid() == target()) printf(\"k%d\\n\", user_mode()) }" \
	>"$T/out" 2>"$T/err"
ok_if "user_mode() at a uprobe and at a tracepoint" "[ \"\$(tr '\\n' ' ' <$T/out)\" = 'u1 k0 ' ]"

# SIGKILL: the uprobes go with btap's file descriptors
wait_detached
links0=$(bpftool link show 2>/dev/null | grep -c '^[0-9]')
"$BTAP" -e "probe process(\"$TARGET\").function(\"tick\") { }" >"$T/out" 2>"$T/err" &
k=$!
attached=0
for _ in $(seq 1 100); do
	[ "$(bpftool perf show 2>/dev/null | grep -c "uprobe.*$TARGET")" -gt 0 ] && attached=1 && break
	sleep 0.1
done
kill -KILL $k
wait $k 2>/dev/null
sleep 0.2
left=$(bpftool perf show 2>/dev/null | grep -c "uprobe.*$TARGET")
events=$(grep -c "$TARGET" /sys/kernel/tracing/uprobe_events 2>/dev/null)
ok_if "SIGKILL leaves no uprobe attached (attached first: $attached)" \
	"[ $attached = 1 ] && [ $left = 0 ] && [ ${events:-0} = 0 ] && [ \$(bpftool link show 2>/dev/null | grep -c '^[0-9]') -le $links0 ]"
kill $bg 2>/dev/null
wait $bg 2>/dev/null
bg=

summary uprobe
