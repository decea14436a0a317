#!/usr/bin/env python3
"""The tapset reference, generated from the doc comments in tapset/.

    build-aux/tapset-doc.py [--tapset DIR] [--markdown FILE] [--man DIR]
                            [--prefix PREFIX] [--check FILE]

--markdown writes the one-page reference (docs/tapset-reference.md);
--man writes one page per function and probe alias into DIR
(function::NAME.3btap, probe::NAME.3btap) and one per tapset file
(tapset::FILE.3btap); --check compares the Markdown it would write with
FILE and fails when they differ (the committed reference is stale).

Every public function and probe alias (names not starting with "__") needs
a doc comment just above it, in exactly this form:

    /**
     * NAME - one-line summary              (an alias: " * probe NAME - ...")
     * @param: description, continued on
     *         lines indented past "* "
     *
     * Body paragraphs; lines indented past "* " are kept as they are.
     */
    function NAME ...

The @ lines and the body are optional; the blank " *" separates them. An
alias NAME.return without a comment of its own is documented with NAME.
Anything else is an error naming the file and line: the reference never
silently drops a function.
"""

import argparse
import os
import re
import sys

NAME_FN = r"[A-Za-z_][A-Za-z0-9_]*"
NAME_PROBE = r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*"
RE_OPEN = re.compile(r"^/\*\*\s*$")
RE_CLOSE = re.compile(r"^ \*/\s*$")
RE_INNER = re.compile(r"^ \*(?: (.*))?$")
RE_TITLE = re.compile(r"^(probe )?(" + NAME_PROBE + r") - (\S.*)$")
RE_PARAM = re.compile(r"^@(" + NAME_FN + r"):\s*(\S.*)$")
RE_FUNCTION = re.compile(r"^(?:private\s+)?function\s+(" + NAME_FN + r")\b")
RE_ALIAS = re.compile(r"^probe\s+(" + NAME_PROBE + r"(?:\s*,\s*" + NAME_PROBE + r")*)\s*\+?=")
RE_PROBE = re.compile(r"^probe\b")


class DocError(Exception):
    pass


class Entry:
    """One documented function (one overload) or probe alias."""

    def __init__(self, kind, name, summary, params, body, path, line):
        self.kind = kind            # "function" or "probe"
        self.name = name
        self.summary = summary
        self.params = params        # [(name, text)]
        self.body = body            # [paragraph], each a list of lines
        self.path = path
        self.line = line
        self.synopsis = name
        self.returns = []           # .return aliases documented here


class TapsetFile:
    def __init__(self, rel):
        self.rel = rel              # path below tapset/, e.g. "syscalls.stp"
        self.header = []            # paragraphs of the leading // comment
        self.entries = []


def fail(path, line, msg):
    raise DocError("%s:%d: %s" % (path, line, msg))


def paragraphs(lines):
    """Split comment text into paragraphs; a paragraph whose lines are
    indented is preformatted (kept line by line)."""
    out, cur = [], []
    for ln in lines + [""]:
        if ln.strip() == "":
            if cur:
                out.append(cur)
            cur = []
        else:
            cur.append(ln.rstrip())
    return out


def is_pre(par):
    return any(ln.startswith(" ") for ln in par)


def dedent(par):
    """A preformatted paragraph without the indentation its lines share."""
    n = min(len(ln) - len(ln.lstrip(" ")) for ln in par)
    return [ln[n:] for ln in par]


def parse_comment(path, lines, start):
    """Parse the doc comment opening at lines[start] ("/**"). Returns
    (kind, name, summary, params, body, index of the line after it)."""
    i = start + 1
    inner = []
    while True:
        if i >= len(lines):
            fail(path, start + 1, "doc comment is not closed by a \" */\" line")
        ln = lines[i]
        if RE_CLOSE.match(ln):
            break
        m = RE_INNER.match(ln)
        if not m:
            fail(path, i + 1, "doc comment line must be \" *\" or \" * text\" (got %r)" % ln)
        inner.append((i + 1, m.group(1) or ""))
        i += 1
    if not inner:
        fail(path, start + 1, "empty doc comment: expected \" * NAME - summary\"")
    lineno, first = inner[0]
    m = RE_TITLE.match(first)
    if not m:
        fail(path, lineno, "doc comment must start with \" * NAME - summary\" "
             "(\" * probe NAME - summary\" for an alias), got %r" % first)
    kind = "probe" if m.group(1) else "function"
    name, summary = m.group(2), m.group(3).strip()
    params, body = [], []
    k = 1
    while k < len(inner) and inner[k][1].strip() != "":
        lineno, text = inner[k]
        pm = RE_PARAM.match(text)
        if pm:
            params.append([pm.group(1), pm.group(2).strip()])
        elif params and text.startswith(" "):
            params[-1][1] += " " + text.strip()
        else:
            fail(path, lineno, "after the summary line comes \"@name: text\", "
                 "a blank \" *\" or \" */\" (got %r)" % text)
        k += 1
    for lineno, text in inner[k + 1:]:
        if RE_PARAM.match(text):
            fail(path, lineno, "@%s: parameters go between the summary line and the "
                 "blank \" *\", not in the body" % RE_PARAM.match(text).group(1))
        body.append(text)
    if k < len(inner) and not any(t.strip() for _, t in inner[k + 1:]):
        fail(path, inner[k][0], "blank \" *\" line with no body after it")
    return kind, name, summary, [tuple(p) for p in params], paragraphs(body), i + 1


def declaration(lines, i):
    """The declaration text starting at lines[i], up to its parameter
    list's closing parenthesis (functions) or its "=" (aliases)."""
    text = lines[i]
    j = i
    if RE_FUNCTION.match(text):
        while ")" not in text and j + 1 < len(lines):
            j += 1
            text += " " + lines[j].strip()
        text = text[: text.index(")") + 1] if ")" in text else text
    return re.sub(r"\s+", " ", text).strip()


def function_synopsis(decl):
    s = re.sub(r"^(?:private\s+)?function\s+", "", decl)
    return re.sub(r"\s*\(", " (", s, count=1)


def function_params(decl):
    m = re.search(r"\((.*)\)", decl)
    if not m or not m.group(1).strip():
        return []
    return [p.strip().split(":")[0].strip() for p in m.group(1).split(",")]


def public(name):
    return not name.startswith("__")


def parse_file(root, rel):
    path = os.path.join(root, rel)
    shown = os.path.join("tapset", rel)
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    tf = TapsetFile(rel)
    head = []
    for ln in lines:
        if ln.startswith("//"):
            head.append(ln[3:] if ln.startswith("// ") else ln[2:])
        else:
            break
    tf.header = paragraphs(head)
    pending_returns = []  # (alias name, line) with no comment of their own
    i = 0
    while i < len(lines):
        ln = lines[i]
        if ln.startswith("/**"):
            if not RE_OPEN.match(ln):
                fail(shown, i + 1, "a doc comment opens with \"/**\" alone on its line")
            kind, name, summary, params, body, nxt = parse_comment(shown, lines, i)
            if nxt >= len(lines):
                fail(shown, i + 1, "doc comment for %s is not followed by a declaration" % name)
            decl_line = lines[nxt]
            fm, am = RE_FUNCTION.match(decl_line), RE_ALIAS.match(decl_line)
            if kind == "function":
                if not fm:
                    what = "a probe alias (write \" * probe %s - ...\")" % name if am else "no function"
                    fail(shown, nxt + 1, "doc comment for function %s is followed by %s" % (name, what))
                if fm.group(1) != name:
                    fail(shown, i + 2, "doc comment names %s but the function below is %s"
                         % (name, fm.group(1)))
                decl = declaration(lines, nxt)
                e = Entry(kind, name, summary, params, body, shown, nxt + 1)
                e.synopsis = function_synopsis(decl)
                known = function_params(decl)
                for p, _ in params:
                    if p not in known:
                        fail(shown, i + 2, "@%s is not a parameter of %s (it has: %s)"
                             % (p, name, ", ".join(known) or "none"))
            else:
                if not am:
                    what = "a function (drop \"probe \")" if fm else "no probe alias"
                    fail(shown, nxt + 1, "doc comment for probe %s is followed by %s" % (name, what))
                names = [n.strip() for n in am.group(1).split(",")]
                if name not in names:
                    fail(shown, i + 2, "doc comment names probe %s but the alias below is %s"
                         % (name, ", ".join(names)))
                e = Entry(kind, name, summary, params, body, shown, nxt + 1)
                e.synopsis = "probe " + name
            if public(name):
                tf.entries.append(e)
            i = nxt + 1
            continue
        fm, am = RE_FUNCTION.match(ln), RE_ALIAS.match(ln)
        if fm and public(fm.group(1)):
            fail(shown, i + 1, "function %s has no doc comment (\"/**\", \" * %s - summary\", "
                 "\" */\" just above it)" % (fm.group(1), fm.group(1)))
        if am:
            for n in (n.strip() for n in am.group(1).split(",")):
                if not public(n):
                    continue
                if n.endswith(".return"):
                    pending_returns.append((n, i + 1))
                else:
                    fail(shown, i + 1, "probe alias %s has no doc comment (\"/**\", "
                         "\" * probe %s - summary\", \" */\" just above it)" % (n, n))
        elif RE_PROBE.match(ln) and "=" in ln.split("{")[0] and not am:
            fail(shown, i + 1, "cannot read this probe alias's name")
        i += 1
    by_name = {e.name: e for e in tf.entries if e.kind == "probe"}
    for n, line in pending_returns:
        base = by_name.get(n[: -len(".return")])
        if not base:
            fail(shown, line, "probe alias %s has no doc comment, and no documented %s "
                 "in this file covers it" % (n, n[: -len(".return")]))
        base.returns.append(n)
    return tf


def load(root):
    files = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for fn in sorted(filenames):
            if fn.endswith(".stp"):
                files.append(os.path.relpath(os.path.join(dirpath, fn), root))
    return [parse_file(root, rel) for rel in sorted(files)]


# ---- Markdown --------------------------------------------------------

def md_escape(s):
    return re.sub(r"([\\`*_<>\[\]])", r"\\\1", s)


def md_pars(pars):
    out = []
    for par in pars:
        if is_pre(par):
            out.append("\n".join("    " + ln for ln in dedent(par)))
        else:
            out.append(md_escape(" ".join(ln.strip() for ln in par)))
    return out


def anchor(e):
    return ("probe-" if e.kind == "probe" else "") + re.sub(r"[^a-z0-9_-]", "-", e.name.lower())


def markdown(files):
    out = ["# Tapset reference", "",
           "<!-- Generated by build-aux/tapset-doc.py from the doc comments in tapset/;",
           "     edit those and run `make docs`. -->", "",
           "The functions and probe aliases of btap's tapset library, file by file. "
           "Each is also a man page: `man function::NAME`, `man probe::NAME`, "
           "and `man tapset::FILE` for a file's overview.", ""]
    for tf in files:
        base = tf.rel[:-4]
        names = ", ".join("[`%s`](#%s)" % (e.name, anchor(e)) for e in dedup(tf.entries))
        out.append("- [%s](#%s)%s" % (tf.rel, "tapset-" + re.sub(r"[^a-z0-9_-]", "-", base.lower()),
                                      ": " + names if names else " (no names of its own)"))
    out.append("")
    for tf in files:
        base = tf.rel[:-4]
        out += ['<a id="tapset-%s"></a>' % re.sub(r"[^a-z0-9_-]", "-", base.lower()), "",
                "## %s" % md_escape(tf.rel), ""]
        for p in md_pars(tf.header):
            out += [p, ""]
        for e in tf.entries:
            first = e is dedup_first(tf.entries, e)
            if first:
                out += ['<a id="%s"></a>' % anchor(e), "",
                        "### %s`%s`" % ("probe " if e.kind == "probe" else "", e.name), ""]
            out += ["    " + e.synopsis] + ["    probe " + r for r in e.returns] + [""]
            out += [md_escape(e.summary) + ".", ""] if not e.summary.endswith(".") else [md_escape(e.summary), ""]
            if e.params:
                label = "Values" if e.kind == "probe" else "Arguments"
                out += ["%s:" % label, ""]
                out += ["- `%s`: %s" % (p, md_escape(t)) for p, t in e.params]
                out.append("")
            for p in md_pars(e.body):
                out += [p, ""]
            if e.returns:
                out += [return_note(e, md=True), ""]
    return "\n".join(out).rstrip("\n") + "\n"


def dedup(entries):
    seen, out = set(), []
    for e in entries:
        if (e.kind, e.name) not in seen:
            seen.add((e.kind, e.name))
            out.append(e)
    return out


def dedup_first(entries, e):
    for x in entries:
        if x.kind == e.kind and x.name == e.name:
            return x
    return e


def return_note(e, md):
    names = ", ".join(("`%s`" if md else "%s") % r for r in e.returns)
    tapset = os.path.basename(e.path)[:-4]
    ref = ("the [%s](#tapset-%s) overview above" % (tapset + ".stp", tapset)) if md \
        else "tapset::%s(3btap)" % tapset
    return ("%s is documented with this probe: it fires at the return, and "
            "%s describes the values it sets." % (names, ref))


# ---- man pages --------------------------------------------------------

def man_escape(s):
    s = s.replace("\\", "\\e")
    return s


def man_line(s):
    s = man_escape(s)
    return "\\&" + s if s.startswith((".", "'")) else s


def man_pars(pars):
    out = []
    for par in pars:
        if is_pre(par):
            out += [".PP", ".nf", ".RS 2"] + [man_line(ln) for ln in dedent(par)] + [".RE", ".fi"]
        else:
            out += [".PP", man_line(" ".join(ln.strip() for ln in par))]
    return out


PREFIX = "/usr/local"


def man_head(title, version):
    return ['.\\" Generated by build-aux/tapset-doc.py from tapset/: do not edit.',
            '.TH "%s" 3btap "" "btap %s" "btap tapset reference"' % (title.upper(), version)]


def man_entry_page(entries, version):
    e0 = entries[0]
    prefix = "probe::" if e0.kind == "probe" else "function::"
    names = [prefix + e0.name] + ["probe::" + r for r in e0.returns]
    out = man_head(prefix + e0.name, version)
    out += [".SH NAME", "%s \\- %s" % (", ".join(names), man_escape(e0.summary)), ".SH SYNOPSIS", ".nf"]
    for e in entries:
        out += [".B " + man_line(e.synopsis)] + [".B probe " + man_line(r) for r in e.returns]
    out += [".fi"]
    if any(e.params for e in entries):
        out += [".SH " + ("VALUES" if e0.kind == "probe" else "ARGUMENTS")]
    for e in entries:
        if e.params:
            if len(entries) > 1:
                out += [".PP", "For %s:" % man_escape(e.synopsis)]
            for p, t in e.params:
                out += [".TP", ".I " + p, man_line(t)]
    out += [".SH DESCRIPTION"]
    for e in entries:
        if len(entries) > 1:
            out += [".PP", ".B " + man_line(e.synopsis), ".br", man_line(e.summary) + "."]
        out += man_pars(e.body)
        if e.returns:
            out += [".PP", man_line(return_note(e, md=False))]
    tapset = os.path.basename(e0.path)[:-4]
    out += [".SH FILES", ".I " + man_escape(PREFIX + "/share/btap/" + e0.path),
            ".SH SEE ALSO", ".BR tapset::%s (3btap)," % tapset,
            ".BR btap-probes (7),", ".BR btap (1)"]
    return "\n".join(out) + "\n"


def file_summary(tf):
    """The header's first sentence, up to a colon: "System calls"."""
    if not tf.header:
        return tf.rel
    text = " ".join(ln.strip() for ln in tf.header[0])
    text = re.split(r"\.(?:\s|$)", text)[0]
    return text.split(": ")[0].strip()


def man_tapset_page(tf, version):
    base = tf.rel[:-4].replace("/", "-")
    summary = file_summary(tf)
    out = man_head("tapset::" + base, version)
    out += [".SH NAME", "tapset::%s \\- %s" % (base, man_escape(summary)), ".SH DESCRIPTION"]
    out += man_pars(tf.header)
    for kind, title in (("function", "FUNCTIONS"), ("probe", "PROBE ALIASES")):
        es = [e for e in dedup(tf.entries) if e.kind == kind]
        if not es:
            continue
        out += [".SH " + title]
        for e in es:
            prefix = "probe::" if kind == "probe" else "function::"
            out += [".TP", ".BR %s%s (3btap)" % (prefix, e.name), man_escape(e.summary)]
    out += [".SH FILES", ".I " + man_escape(PREFIX + "/share/btap/tapset/" + tf.rel),
            ".SH SEE ALSO", ".BR btap-probes (7),", ".BR btap (1)"]
    return "\n".join(out) + "\n"


def write_man(files, outdir, version):
    os.makedirs(outdir, exist_ok=True)
    for old in os.listdir(outdir):
        if old.endswith(".3btap"):
            os.unlink(os.path.join(outdir, old))
    pages = {}
    for tf in files:
        pages["tapset::%s.3btap" % tf.rel[:-4].replace("/", "-")] = man_tapset_page(tf, version)
        groups = {}
        for e in tf.entries:
            groups.setdefault((e.kind, e.name), []).append(e)
        for (kind, name), es in groups.items():
            prefix = "probe::" if kind == "probe" else "function::"
            fname = "%s%s.3btap" % (prefix, name)
            if fname in pages:
                fail(es[0].path, es[0].line, "%s%s is also documented in another tapset file"
                     % (prefix, name))
            pages[fname] = man_entry_page(es, version)
            for r in es[0].returns:
                pages["probe::%s.3btap" % r] = ".so man3/%s\n" % fname
    for fname, text in pages.items():
        with open(os.path.join(outdir, fname), "w", encoding="utf-8") as f:
            f.write(text)
    return len(pages)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    top = os.path.dirname(here)
    ap = argparse.ArgumentParser(description="Generate the tapset reference from tapset/ doc comments.")
    ap.add_argument("--tapset", default=os.path.join(top, "tapset"))
    ap.add_argument("--markdown")
    ap.add_argument("--man")
    ap.add_argument("--check")
    ap.add_argument("--prefix", default="/usr/local", help="install prefix the man pages name")
    args = ap.parse_args()
    global PREFIX
    PREFIX = args.prefix
    try:
        files = load(args.tapset)
    except DocError as err:
        print("tapset-doc: %s" % err, file=sys.stderr)
        return 1
    try:
        with open(os.path.join(top, "VERSION"), encoding="utf-8") as f:
            version = f.read().strip()
    except OSError:
        version = "0"
    md = markdown(files)
    n = sum(len(dedup(tf.entries)) for tf in files)
    if args.markdown:
        with open(args.markdown, "w", encoding="utf-8") as f:
            f.write(md)
        print("tapset-doc: %s: %d functions and probe aliases from %d files"
              % (args.markdown, n, len(files)))
    if args.man:
        try:
            pages = write_man(files, args.man, version)
        except DocError as err:
            print("tapset-doc: %s" % err, file=sys.stderr)
            return 1
        print("tapset-doc: %s: %d man pages" % (args.man, pages))
    if args.check:
        try:
            with open(args.check, encoding="utf-8") as f:
                old = f.read()
        except OSError:
            old = None
        if old != md:
            print("tapset-doc: %s is stale: the doc comments in tapset/ changed; "
                  "run `make docs` and commit the result" % args.check, file=sys.stderr)
            return 1
        print("tapset-doc: %s is up to date (%d entries)" % (args.check, n))
    return 0


if __name__ == "__main__":
    sys.exit(main())
