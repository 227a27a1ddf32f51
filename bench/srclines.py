"""bench/srclines.py - source lines to source functions, for the "where the
instructions go" tables of bench/run_bench.py (callgrind, x86-64) and
bench/run_arm.py (QEMU plugin, Cortex-M4).

Both measurements give a cost per source line (file:line of the innermost
inlined function, from the debug line table) and per compiled function
(the out-of-line function the instruction is in: slab_alloc, slab_free,
class_page_moves, ...). This module maps a line to the C function whose
body holds it, from the source text, in the project's style: a definition
starts at column 0 and its body opens with "{" alone on a line and ends
with "}" alone on a line. Lines of the definition's head up to the "{"
are that function's *entry* lines (GCC puts the prologue, the pushes and
the stack set-up, on them), the closing "}" its *exit* line (epilogue,
pops, return).

The roles below say what a function is for; they are labels, not figures.
A function that is not listed has no role (the table shows "").
"""
import os
import re

ROLES = {
    "heap_ok": ("check", "misuse check: heap handle (NULL, magic)"),
    "heap_index_ok": ("check", "misuse check: page index read from the lists in range"),
    "heap_class_page_sane": ("check", "misuse check: page-table entry consistent"),
    "page_status": ("check", "misuse check: the block is live (double / interior free)"),
    "page_bit": ("check", "misuse check: live bit read"),
    "link_ok": ("check", "misuse check: free-list link valid"),
    "bit_mark": ("check", "live bitmap, set (kept for the double-free check)"),
    "bit_unmark": ("check", "live bitmap, cleared (kept for the double-free check)"),
    "page_unmarked": ("check", "damage check: a page that counts no block in use has none marked (a free that empties its page)"),
    "block_find": ("work", "pointer to page and offset; page-state dispatch"),
    "heap_lock": ("lock", "lock hook (a NULL test when no lock is set)"),
    "heap_unlock": ("lock", "lock hook (a NULL test when no lock is set)"),
    "count_alloc": ("stats", "statistics: bytes used and peak"),
    "count_free": ("stats", "statistics: bytes used"),
    "page_is_full": ("work", "full-page test (class list upkeep)"),
    "class_page_moves": ("work", "page moves: partial list, kept empty page, pool"),
    "class_alloc": ("work", "class list head; kept-empty-page bookkeeping"),
    "class_page": ("work", "the class's page with room (list head, or refill)"),
    "class_take_from": ("work", "kept-empty-page bookkeeping, list upkeep, byte count"),
    "class_take": ("work", "take a block from a class page"),
    "class_free": ("work", "class free: page state before and after"),
    "live_free": ("work", "class or large block"),
    "heap_alloc": ("work", "size and alignment to class (table look-up)"),
    "page_take": ("work", "pop the free list or carve"),
    "page_give": ("work", "push on the free list"),
    "page_words": ("work", "address of a page"),
    "heap_block_ptr": ("work", "page and offset to pointer"),
    "heap_ptr_dist": ("work", "pointer to distance from page 0"),
    "heap_list_push": ("work", "page lists: push a page"),
    "heap_list_unlink": ("work", "page lists: unlink a page"),
    "heap_pool_take": ("work", "page pool: take a page"),
    "heap_pool_give": ("work", "page pool: give a page back"),
    "heap_steal_empty": ("work", "pool empty: take another class's empty page"),
    "class_refill": ("work", "class full: a new page for the class"),
    "page_format": ("work", "a new class page: header and bitmap cleared"),
    "slab_alloc": ("api", "API entry: argument checks, calls"),
    "slab_free": ("api", "API entry: argument checks, calls"),
}

GROUP_NAMES = {
    "check": "misuse checks (and the live bitmap they read)",
    "lock": "lock hooks",
    "stats": "statistics counters",
    "entry": "entry/exit lines of the out-of-line functions (prologue, epilogue)",
    "work": "the allocation work proper",
    "api": "API functions' own lines (argument tests, calls)",
    "other": "other lines",
}

_HEAD_RE = re.compile(r"([A-Za-z_]\w*)\s*\(")
_cache = {}


def functions(path):
    """[(name, head, open, close)] (1-based line numbers) of the function
    definitions of a C file in the project's style."""
    if path in _cache:
        return _cache[path]
    out = []
    try:
        with open(path, errors="replace") as f:
            lines = f.read().split("\n")
    except OSError:
        _cache[path] = out
        return out
    i = 0
    while i < len(lines):
        if lines[i].rstrip() == "{":
            # the head: back over continuation lines (indented) to column 0
            h = i - 1
            while h > 0 and lines[h][:1] in (" ", "\t") and lines[h].strip():
                h -= 1
            head = lines[h]
            m = _HEAD_RE.search(head)
            close = i + 1
            while close < len(lines) and lines[close].rstrip() != "}":
                close += 1
            if m and not head.startswith(("struct", "typedef", "enum", "union")) \
                    and head[:1] not in ("#", "/", " ", "\t", "*"):
                out.append((m.group(1), h + 1, i + 1, close + 1))
            i = close + 1
            continue
        i += 1
    _cache[path] = out
    return out


def locate(path, line):
    """(function, kind) of a line: kind "entry" (the head and its "{"),
    "exit" (the closing "}"), "body"; (None, "body") outside functions."""
    for name, head, opn, close in functions(path):
        if head <= line <= close:
            if line <= opn:
                return name, "entry"
            if line == close:
                return name, "exit"
            return name, "body"
    return None, "body"


def line_text(path, line):
    try:
        with open(path, errors="replace") as f:
            for k, text in enumerate(f, 1):
                if k == line:
                    return text.strip()
    except OSError:
        pass
    return ""


def role(fn):
    return ROLES.get(fn, ("other", ""))


def group_of(fn, kind, compiled):
    """The cost group of a line: entry/exit lines of an out-of-line
    function go to "entry" (wherever they were inlined from, a head line
    only carries code when the function is out of line)."""
    if kind in ("entry", "exit") and fn == compiled:
        return "entry"
    return role(fn)[0]


def attribute(costs, root):
    """costs: {(compiled fn, file, line): cost}. Returns rows
    [{"file", "line", "fn", "kind", "compiled", "cost"}] for files under
    root/src (the library); the rest summed in "outside"."""
    rows = []
    outside = 0.0
    src = os.path.join(os.path.abspath(root), "src") + os.sep
    for (comp, path, line), c in costs.items():
        ap = os.path.abspath(os.path.join(root, path)) if not os.path.isabs(path) else path
        if not ap.startswith(src):
            outside += c
            continue
        fn, kind = locate(ap, line)
        rows.append({"file": os.path.relpath(ap, root), "path": ap, "line": line,
                     "fn": fn or "(outside a function)", "kind": kind,
                     "compiled": comp, "cost": c})
    return rows, outside


def by_function(rows, columns):
    """{source fn: {column: cost, "total": cost, "entry": cost}} where the
    column is the compiled function (those in `columns`, else "other")."""
    out = {}
    for r in rows:
        d = out.setdefault(r["fn"], {"total": 0.0, "entry": 0.0})
        col = r["compiled"] if r["compiled"] in columns else "other"
        d[col] = d.get(col, 0.0) + r["cost"]
        d["total"] += r["cost"]
        if r["kind"] in ("entry", "exit"):
            d["entry"] += r["cost"]
    return out


def groups(rows):
    out = {}
    for r in rows:
        g = group_of(r["fn"], r["kind"], r["compiled"])
        out[g] = out.get(g, 0.0) + r["cost"]
    return out


def top_lines(rows, n):
    """The n costliest (file, line) over all compiled functions, with the
    compiled functions they are in."""
    agg = {}
    for r in rows:
        k = (r["file"], r["path"], r["line"], r["fn"])
        a = agg.setdefault(k, [0.0, set()])
        a[0] += r["cost"]
        a[1].add(r["compiled"])
    out = [(k, v[0], sorted(v[1])) for k, v in agg.items()]
    out.sort(key=lambda x: (-x[1], x[0][0], x[0][2]))
    return out[:n]


def md_table(header, rows, left=1):
    out = ["| " + " | ".join(header) + " |"]
    out.append("|" + "|".join("---" if i < left else "---:"
                              for i in range(len(header))) + "|")
    for r in rows:
        out.append("| " + " | ".join(str(c) for c in r) + " |")
    return "\n".join(out)


def f1(x):
    if x is None:
        return "-"
    if abs(x) < 0.05:
        return "0"
    return "%.1f" % x


def function_table(rows, columns, col_names):
    """Markdown: source function, role, one column per compiled function,
    other, total, of which entry/exit lines; sorted by total."""
    bf = by_function(rows, columns)
    has_other = any(d.get("other", 0) for d in bf.values())
    hdr = ["source function", "role"] + col_names + (["other"] if has_other else []) + \
        ["total", "on entry/exit lines"]
    body = []
    tot = {c: 0.0 for c in columns + ["other", "total", "entry"]}
    for fn, d in sorted(bf.items(), key=lambda x: (-x[1]["total"], x[0])):
        if abs(d["total"]) < 0.05:
            continue
        r = ["`%s`" % fn, role(fn)[1]] + [f1(d.get(c, 0.0)) for c in columns]
        if has_other:
            r.append(f1(d.get("other", 0.0)))
        r += ["**%s**" % f1(d["total"]), f1(d["entry"])]
        body.append(r)
        for c in columns + ["other", "total", "entry"]:
            tot[c] += d.get(c, 0.0)
    r = ["**all library lines**", ""] + [f1(tot[c]) for c in columns]
    if has_other:
        r.append(f1(tot["other"]))
    r += ["**%s**" % f1(tot["total"]), f1(tot["entry"])]
    body.append(r)
    return md_table(hdr, body, left=2), tot


def lines_table(rows, n):
    body = []
    for (rel, path, line, fn), c, comps in top_lines(rows, n):
        text = line_text(path, line).replace("|", "\\|")
        if len(text) > 70:
            text = text[:67] + "..."
        body.append(["`%s:%d`" % (rel, line), "`%s`" % fn, ", ".join(comps),
                     "`%s`" % text if text else "", f1(c)])
    return md_table(["line", "in source function", "compiled into", "source",
                     "instructions / pair"], body, left=4)


def groups_sentence(rows, total):
    """({group: cost}, a generated sentence, what is left once checks,
    lock hooks, counters and entry/exit lines are taken out)."""
    g = groups(rows)
    parts = []
    for k in ["check", "lock", "stats", "entry", "api", "work", "other"]:
        if abs(g.get(k, 0.0)) >= 0.05:
            parts.append("%s **%s**" % (GROUP_NAMES[k], f1(g[k])))
    rest = g.get("work", 0.0) + g.get("api", 0.0) + g.get("other", 0.0)
    return g, ("By role (the *role* column; a line counts where the line table "
               "puts it, and -O2/-Os code mixes neighbouring lines, so these are "
               "close, not exact): " + "; ".join(parts) +
               "; together %s on library lines." % f1(total)), rest


def target_sentence(rest, g, target, pair):
    """What reaching `target` instructions per pair would take, from the
    groups: a generated paragraph."""
    removable = sum(g.get(k, 0.0) for k in ("check", "lock", "stats"))
    return ("Against the target of %d per pair (measured: %s): taking out every "
            "misuse check, the lock hooks and the statistics would remove about %s; "
            "the allocation work, the API functions' own lines and the rest would "
            "still be about %s, and the entry/exit lines %s more. Reaching %d needs "
            "more than removing checks: the free path would have to find the page "
            "and class without the page-table checks and state dispatch, the "
            "alloc path would have to be a pop from a per-class list inlined into "
            "the caller (no call, no prologue), and page-list upkeep "
            "(`page_is_full`, the kept empty page) would have to leave the "
            "common path."
            % (target, f1(pair), f1(removable), f1(rest), f1(g.get("entry", 0.0)),
               target))
