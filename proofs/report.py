#!/usr/bin/env python3
"""proofs/report.py - write proofs/REPORT.md, the proof report an auditor reads.

Called by `make prove` and `make prove-full` after Frama-C has run, once for all
the WP runs of the proof (each run is one frama-c invocation on a fixed set of
files, possibly restricted with -wp-fct, -wp-skip-fct or -wp-prop @lemma; its
prover cache replays with any selection of the same file set):

    python3 proofs/report.py \
        --run core build/prove-core.log build/prove-core.json 'src/a.c src/b.c' 'frama-c ...' \
        --run api  build/prove-api.log  build/prove-api.json  'src/slab.c' 'frama-c ... -wp-fct f,g ...' \
        --src 'every .c file of the library' [--out proofs/REPORT.md]

(JSON "-": none; smoke tests then cannot be confirmed. The older single-run
form --log LOG --json JSON --proved FILES --command CMD still works, as a run
named "prove".) The verdict is 100% only if every run is; functions defined in
the .c files with no goal in any run (not selected with -wp-fct, or in a --src
file in no run) are listed under "Functions outside the proof": as trusted when
the function is in a file of no run and a row of spec/TRUSTED.md names it (the
trusted edge, with its reason and what backs it), as not yet proved otherwise.

Every figure in the report is computed here from what WP wrote in these runs:

* the log (`[wp] [<prover>] Goal <name> : <status> (Qed:..) (time) (steps) (cached)`,
  `[wp] [Passed|Failed|Partial] Smoke-test <name>`): one line per goal, with the
  prover WP credits, its time and whether the result came from the cache;
* WP's JSON report (`-wp-report-json`): which function each property belongs to
  (a smoke test of a dead call is named after the callee, not the caller), per
  function totals to check the log against, and, for smoke tests, whether a
  prover really returned a verdict: WP prints "[Passed] Smoke-test" whenever no
  prover proved the smoke goal, including when no prover ran at all (in offline
  mode, a missing cache entry), so a smoke test counts as passed here only if the
  log says Passed AND the JSON report records a prover verdict for it;
* spec/TRUSTED.md and spec/REQUIREMENTS.md, read now (tables may grow);
* tests/*.c, tests/target/*.c and fuzz/*.c for the traceability checks.

Python 3 standard library only. The report is deterministic apart from the date
and the timings. Exit status 0 when the report was written and its verdict is
100% (every goal proved and every smoke test confirmed by a prover's recorded
verdict) and every function is in the proof or in the trusted edge, 1 when it
was written otherwise (a smoke test whose cache entry is missing passes in WP's
log, so only this check catches it; a function that left the proof, say a file
dropped from the runs, has no goal to fail), 2 on a usage or I/O error.
"""

import argparse
import collections
import datetime
import fnmatch
import glob
import json
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

GOAL_RE = re.compile(r'^\[wp\] \[([^\]]+)\] (Goal|Smoke-test) (\S+)(.*)$')
PAREN_RE = re.compile(r'\(([^()]*)\)')
TIME_PART_RE = re.compile(r"(\d+(?:\.\d+)?)(h|'|ms|us|µs|s)")


# ---- small helpers -------------------------------------------------------------

def run(cmd):
    """Output (first line) of a command, or a note that it failed."""
    try:
        p = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, universal_newlines=True,
                           timeout=60)
        return p.returncode, p.stdout
    except (OSError, subprocess.SubprocessError) as e:
        return 127, str(e)


def first_line(text):
    for line in text.splitlines():
        if line.strip():
            return line.strip()
    return '(no output)'


def parse_time(s):
    """Frama-C time text ('8ms', '1.2s', "2'6s", '0.80ms') in seconds, or None."""
    s = s.strip()
    if not re.fullmatch(r"(?:\d+(?:\.\d+)?(?:h|'|ms|us|µs|s))+", s):
        return None
    total = 0.0
    for num, unit in TIME_PART_RE.findall(s):
        total += {'h': 3600.0, "'": 60.0, 's': 1.0, 'ms': 1e-3,
                  'us': 1e-6, 'µs': 1e-6}[unit] * float(num)
    return total


def fmt_s(t):
    if t is None:
        return '—'
    if t == 0:
        return '0'
    if t < 10:
        return '%.2f s' % t
    if t < 600:
        return '%.1f s' % t
    return '%d min %02d s' % (int(t) // 60, int(t) % 60)


def md_cell(text):
    """Make text safe inside a Markdown table cell."""
    return text.replace('\n', ' ').replace('|', '\\|')


def table(header, rows, align=None):
    align = align or ['l'] * len(header)
    sep = ['---:' if a == 'r' else '---' for a in align]
    out = ['| ' + ' | '.join(header) + ' |', '| ' + ' | '.join(sep) + ' |']
    for r in rows:
        out.append('| ' + ' | '.join(str(c) for c in r) + ' |')
    return out


def split_row(line):
    """Cells of a Markdown table row; '|' inside backticks or escaped is kept."""
    s = line.strip()
    if s.startswith('|'):
        s = s[1:]
    if s.endswith('|') and not s.endswith('\\|'):
        s = s[:-1]
    cells, cur, tick, i = [], [], False, 0
    while i < len(s):
        c = s[i]
        if c == '\\' and i + 1 < len(s) and s[i + 1] == '|':
            cur.append('\\|')
            i += 2
            continue
        if c == '`':
            tick = not tick
        if c == '|' and not tick:
            cells.append(''.join(cur).strip())
            cur = []
        else:
            cur.append(c)
        i += 1
    cells.append(''.join(cur).strip())
    return cells


def md_tables(text):
    """Every Markdown table in text as (header cells, [row cells], raw lines)."""
    lines = text.splitlines()
    out, i = [], 0
    while i < len(lines):
        if lines[i].lstrip().startswith('|') and i + 1 < len(lines) and \
                re.match(r'^\s*\|?\s*:?-{3,}', lines[i + 1]):
            header = split_row(lines[i])
            raw = [lines[i], lines[i + 1]]
            rows = []
            j = i + 2
            while j < len(lines) and lines[j].lstrip().startswith('|'):
                rows.append(split_row(lines[j]))
                raw.append(lines[j])
                j += 1
            out.append((header, rows, raw))
            i = j
        else:
            i += 1
    return out


def read(path):
    try:
        with open(os.path.join(ROOT, path), encoding='utf-8', errors='replace') as f:
            return f.read()
    except OSError:
        return None


# ---- where things are defined --------------------------------------------------

def strip_comments(text):
    """C text with comments blanked (newlines kept so offsets stay close)."""
    return re.sub(r'/\*.*?\*/|//[^\n]*',
                  lambda m: re.sub(r'[^\n]', ' ', m.group(0)), text, flags=re.S)


def c_functions(path):
    """(name, line) of the functions defined (with a body) at top level in a C file:
    a line starting at column 0 (return type and qualifiers or macros such as
    static, inline, SLAB_COLD before the name) whose parameter list is followed by
    '{', not ';' (a prototype). Code under #if is listed whatever the condition."""
    text = read(path)
    if text is None:
        return []
    text = strip_comments(text)
    out = []
    for m in re.finditer(r'^(?:[A-Za-z_][^\n;{}()=#]*?[\s*])?([A-Za-z_]\w*)\s*\(', text, re.M):
        if m.group(1) in ('if', 'for', 'while', 'switch', 'return', 'sizeof'):
            continue
        depth, i = 1, m.end()
        while i < len(text) and depth:
            if text[i] == '(':
                depth += 1
            elif text[i] == ')':
                depth -= 1
            i += 1
        rest = text[i:i + 200].lstrip()
        if rest.startswith('{'):
            out.append((m.group(1), text.count('\n', 0, m.start()) + 1))
    return out


def c_ghost_functions(path):
    """Names of the ghost functions (`/*@ ghost ... */` blocks holding a
    function with a body, such as the lemma functions of src/page_block.c)."""
    text = read(path) or ''
    out = []
    for block in re.finditer(r'/\*@\s*ghost\b(.*?)\*/', text, re.S):
        body = re.sub(r'/@.*?@/', ' ', block.group(1), flags=re.S)
        for m in re.finditer(r'^\s*(?:static\s+)?(?:const\s+)?[A-Za-z_]\w*[\s*]+'
                             r'([A-Za-z_]\w*)\s*\([^;{}]*\)\s*\{', body, re.M):
            out.append(m.group(1))
    return out


def c_definitions(path):
    """Names of the functions defined (with a body) at top level in a C file,
    ghost functions included."""
    return [n for n, _ in c_functions(path)] + c_ghost_functions(path)


def trusted_edge():
    """(files, names): the files spec/TRUSTED.md lists on its line "Files
    outside the proof ...: `a.c`, `b.c`.", and a map function name -> ids
    (T1, T2, ...) of the rows of its table that name it in backticks. A function
    counts as trusted only if its file is in no run and is listed, and a row
    names it: rows also name proved functions (what backs an assumption)."""
    out = collections.defaultdict(list)
    text = read('spec/TRUSTED.md') or ''
    m = re.search(r'^Files outside the proof[^:\n]*:(.*)$', text, re.M)
    files = set(re.findall(r'`([\w./-]+)`', m.group(1))) if m else set()
    tt = md_tables(text)
    for row in (tt[0][1] if tt else []):
        tid = row[0].strip() if row else ''
        if not re.fullmatch(r'T\d+', tid):
            continue
        for tok in re.findall(r'`([A-Za-z_]\w*)`', ' '.join(row[1:])):
            if tid not in out[tok]:
                out[tok].append(tid)
    return files, out


def definition_files(proved):
    """Map function name -> file defining it: proved files first, then headers."""
    order = list(proved)
    order += sorted(glob.glob(os.path.join(ROOT, 'src', '*.h')))
    order += sorted(glob.glob(os.path.join(ROOT, 'spec', '*.h')))
    order += sorted(glob.glob(os.path.join(ROOT, 'src', '*.c')))
    where = {}
    for f in order:
        rel = os.path.relpath(os.path.join(ROOT, f), ROOT)
        for name in c_definitions(rel):
            where.setdefault(name, rel)
    return where


def lemma_files(proved):
    files = sorted(glob.glob(os.path.join(ROOT, 'spec', '*.h')) +
                   glob.glob(os.path.join(ROOT, 'src', '*.h'))) + \
        [os.path.join(ROOT, f) for f in proved]
    where = {}
    for f in files:
        text = read(os.path.relpath(f, ROOT)) or ''
        for m in re.finditer(r'\blemma\s+(\w+)\s*(?:\{[^}]*\})?\s*:', text):
            where.setdefault(m.group(1), os.path.relpath(f, ROOT))
    return where


def declared_functions(path):
    """Functions declared or defined at top level in a C file (in file order)."""
    text = read(path)
    if text is None:
        return []
    out = []
    for m in re.finditer(r'^[A-Za-z_][^\n;{}()=#]*?\b([A-Za-z_]\w*)\s*\(',
                         strip_comments(text), re.M):
        if m.group(1) not in out and not m.group(0).lstrip().startswith(('typedef', 'return')):
            out.append(m.group(1))
    return out


def test_functions():
    """Test functions defined in tests/*.c and tests/target/*.c -> file."""
    found = {}
    for f in sorted(glob.glob(os.path.join(ROOT, 'tests', '*.c')) +
                    glob.glob(os.path.join(ROOT, 'tests', 'target', '*.c'))):
        rel = os.path.relpath(f, ROOT)
        for name in c_definitions(rel):
            if name.startswith('test_'):
                found.setdefault(name, rel)
    return found


# ---- the WP log and JSON report ------------------------------------------------

class Goal:
    __slots__ = ('name', 'kind', 'tag', 'status', 'prover', 'qed_time',
                 'time', 'steps', 'cached', 'detail', 'proved', 'func', 'file',
                 'note')

    def __init__(self, name, kind, tag, rest):
        self.name, self.kind, self.tag = name, kind, tag
        self.detail = []
        self.note = ''
        self.qed_time = self.time = self.steps = None
        self.cached = False
        m = re.match(r'\s*:\s*(\w+)', rest)
        self.status = m.group(1) if m else tag
        self.prover = tag.split()[0] if kind == 'Goal' and tag not in (
            'Failed', 'Unknown', 'Timeout', 'Stepout', 'Missing', 'Unsuccess') else None
        for p in PAREN_RE.findall(rest):
            p = p.strip()
            if p.startswith('Qed:'):
                self.qed_time = parse_time(p[4:])
            elif p == 'cached':
                self.cached = True
            elif re.fullmatch(r'\d+', p):
                self.steps = int(p)
            elif parse_time(p) is not None:
                if self.prover == 'Qed':
                    self.qed_time = parse_time(p)
                else:
                    self.time = parse_time(p)
        if kind == 'Goal':
            self.proved = self.prover is not None and self.status == 'Valid'
        else:
            self.proved = False      # decided with the JSON report below


def parse_log(text):
    goals, last = [], None
    for line in text.splitlines():
        m = GOAL_RE.match(line)
        if m:
            last = Goal(m.group(3), m.group(2), m.group(1), m.group(4))
            goals.append(last)
            continue
        if last is not None and line.startswith(' ') and line.strip():
            last.detail.append(line.strip())   # per-prover results of a failure
        else:
            last = None
    info = {}
    m = None
    for m in re.finditer(r'Proved goals:\s+(\d+) / (\d+)', text):
        pass
    info['wp_summary'] = (int(m.group(1)), int(m.group(2))) if m else None
    m = re.search(r'^\[wp\] \[Cache\] (.*)$', text, re.M)
    info['cache'] = m.group(1).strip() if m else None
    # WP's own summary block: "Proved goals" and the per-prover lines under it
    block = []
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if 'Proved goals:' in line:
            block = [line.replace('[wp] ', '', 1)]
            for nxt in lines[i + 1:]:
                if nxt.startswith('  ') and not nxt.startswith('  /*'):
                    block.append(nxt.rstrip())
                else:
                    break
    info['summary_block'] = block
    # the same test as ci/proof-summary.sh
    info['errors'] = [l for l in lines if re.search(
        r'\[kernel\] (User Error|Failure)|Plug-in .* aborted|fatal error', l)][:20]
    # warnings WP emits (memory-model hypotheses, pedantic assigns, ...)
    warns, cur = [], None
    for line in lines:
        if re.match(r'^\[wp[^\]]*\] .*Warning:', line):
            cur = [line]
            warns.append(cur)
        elif cur is not None and line.startswith(' ') and line.strip():
            cur.append(line)
        else:
            cur = None
    info['warnings'] = ['\n'.join(w) for w in warns]
    return goals, info


def load_json(path):
    if not path or not os.path.exists(path):
        return None, 'file %s not found' % path
    try:
        with open(path, encoding='utf-8') as f:
            return json.load(f), None
    except (OSError, ValueError) as e:
        return None, 'JSON report unreadable: %s' % e


def attribute(goals, js, where, lemmas):
    """Set goal.func and goal.file; check smoke tests against the JSON report."""
    funcs = sorted(set(js.get('wp:functions', {})) if js else set(), key=len,
                   reverse=True)
    if not funcs:   # no JSON: fall back on the functions defined in the sources
        funcs = sorted(where, key=len, reverse=True)
    key_owner = collections.defaultdict(set)
    key_entry = {}
    if js:
        for F, props in js.get('wp:functions', {}).items():
            for K, v in props.items():
                if K.startswith('wp:'):
                    continue
                key_owner[K].add(F)
                key_owner['%s_call_%s' % (F, K)].add(F)
                key_entry[(F, K)] = v
        for sec, props in js.get('wp:axiomatics', {}).items():
            for K, v in props.items():
                if not K.startswith('wp:'):
                    key_owner[K].add('@' + K)
                    key_entry[('@' + K, K)] = v
    for g in goals:
        n = re.sub(r'^(typed_ref_|typed_cast_|typed_nat_|typed_|ref_|hoare_)', '',
                   g.name)
        owner = None
        parts = n.split('_')
        for i in range(len(parts), 0, -1):       # longest property name first
            k = '_'.join(parts[:i])
            if len(key_owner.get(k, ())) == 1:
                owner = next(iter(key_owner[k]))
                break
        if owner is None:
            fs = [F for F in funcs if n == F or n.startswith(F + '_')]
            owner = fs[0] if fs else None
        if owner is None and n.startswith('lemma_'):
            owner = '@' + n
        if owner and owner.startswith('@'):
            lemma = owner[1:]
            lemma = lemma[len('lemma_'):] if lemma.startswith('lemma_') else lemma
            g.func = 'lemma ' + lemma
            g.file = lemmas.get(lemma, 'lemmas')
        else:
            g.func = owner or '?'
            g.file = where.get(owner, '?')
        if g.kind == 'Smoke-test':
            entry = None
            if js and g.func in js.get('wp:functions', {}):
                entry = js['wp:functions'][g.func].get(n)
            main = (entry or {}).get('wp:main', {})
            verdict = bool(main) and main.get('valid', 0) == main.get('total', -1)
            if g.tag != 'Passed':
                g.note = 'smoke goal proved: dead code or contradictory contract'
            elif not js:
                g.note = 'no JSON report: prover verdict not confirmed'
            elif not verdict:
                g.note = ('no prover verdict recorded (in offline mode: cache entry '
                          'missing), so the smoke test was not really run')
            g.proved = g.tag == 'Passed' and verdict


def json_function_totals(js):
    out = {}
    if not js:
        return out
    for F, props in js.get('wp:functions', {}).items():
        out[F] = props.get('wp:section', {}).get('wp:main', {}).get('total')
    for sec, props in js.get('wp:axiomatics', {}).items():
        for K, v in props.items():
            if not K.startswith('wp:'):
                k = K[len('lemma_'):] if K.startswith('lemma_') else K
                out['lemma ' + k] = v.get('wp:main', {}).get('total')
    return out


# ---- report sections -----------------------------------------------------------

def cache_mode_of(command):
    m = re.search(r'-wp-cache\s+(\w+)', command)
    return m.group(1) if m else 'none'


def mode_text(cache_mode):
    if cache_mode == 'offline':
        return ('replay of the committed prover cache (`-wp-cache offline`): no prover '
                'runs; a goal whose result is missing from the cache fails')
    if cache_mode in ('update', 'rebuild', 'replay'):
        return 'provers run (`-wp-cache %s`)' % cache_mode
    return 'provers run (no cache)'


def new_stats():
    return {'goals': 0, 'proved': 0, 'smoke': 0, 'smoke_ok': 0,
            'by': collections.Counter(), 'time': 0.0, 'max': 0.0, 'qed': 0.0,
            'timed': 0, 'cached': 0}


def stats_ok(s):
    return s['proved'] == s['goals'] and s['smoke_ok'] == s['smoke']


class Run:
    """One frama-c invocation: its files, command, log and JSON report, and the
    figures computed from them."""

    def __init__(self, name, log, json_path, files, command):
        self.name, self.files, self.command = name, files.split(), command.strip()
        absp = lambda p: p if p in ('', '-') or os.path.isabs(p) else os.path.join(ROOT, p)
        self.log, self.json = absp(log), absp(json_path)
        self.cache_mode = cache_mode_of(self.command)
        m = re.search(r'-wp-fct\s+(\S+)', self.command)
        self.fct = [f for f in m.group(1).split(',') if f] if m else None
        m = re.search(r'-wp-skip-fct\s+(\S+)', self.command)
        self.skip = [f for f in m.group(1).split(',') if f] if m else []
        # a run of the lemmas alone (-wp-prop @lemma): the lemmas that the
        # runs restricted with -wp-fct / -wp-skip-fct do not prove
        self.lemmas_only = re.search(r'-wp-prop\s+@lemma(\s|$)', self.command) is not None
        # a run of some named clauses only (-wp-prop name,...), in every
        # function that has them: the page-count clauses of src/slab.c
        m = re.search(r'-wp-prop\s+(\S+)', self.command)
        self.props = ([p for p in m.group(1).split(',') if p]
                      if m and not self.lemmas_only else [])
        try:
            with open(self.log, encoding='utf-8', errors='replace') as f:
                text = f.read()
            log_error = None
        except OSError as e:
            text, log_error = '', str(e)
        self.goals, self.info = parse_log(text)
        if self.json in ('', '-'):
            self.js, json_error = None, 'none given'
        else:
            self.js, json_error = load_json(self.json)
        if self.js is None:
            print('report: warning: run %s: no JSON report (%s): smoke tests cannot be '
                  'confirmed, the run cannot be 100%%' % (name, json_error), file=sys.stderr)
        self.where = definition_files(self.files)
        attribute(self.goals, self.js, self.where, lemma_files(self.files))
        self.summary_st, out = run([os.path.join(ROOT, 'ci', 'proof-summary.sh'), self.log])
        self.summary_line = '; '.join(l for l in out.splitlines()
                                      if l.startswith('prove:')) or first_line(out)
        self.per = collections.OrderedDict()       # (file, func) -> stats
        for g in self.goals:
            s = self.per.setdefault((g.file, g.func), new_stats())
            if g.kind == 'Smoke-test':
                s['smoke'] += 1
                s['smoke_ok'] += g.proved
                continue
            s['goals'] += 1
            s['proved'] += g.proved
            if g.proved:
                s['by'][g.prover] += 1
            if g.time is not None:
                s['time'] += g.time
                s['max'] = max(s['max'], g.time)
                s['timed'] += 1
                s['cached'] += g.cached
            if g.qed_time is not None:
                s['qed'] += g.qed_time
        self.total = new_stats()
        for s in self.per.values():
            for k in ('goals', 'proved', 'smoke', 'smoke_ok', 'time', 'qed', 'timed',
                      'cached'):
                self.total[k] += s[k]
            self.total['max'] = max(self.total['max'], s['max'])
            self.total['by'].update(s['by'])
        # cross-checks against WP's own figures
        ck = []
        wp_sum = self.info['wp_summary']
        wp_valid = self.total['proved'] + sum(
            1 for g in self.goals if g.kind == 'Smoke-test' and g.tag == 'Passed')
        if wp_sum is None:
            ck.append('WP printed no "Proved goals" line: the run did not finish.')
        elif wp_sum != (wp_valid, len(self.goals)):
            ck.append('WP\'s "Proved goals: %d / %d" does not match the %d goal lines '
                      'of the log (%d Valid or Passed).'
                      % (wp_sum + (len(self.goals), wp_valid)))
        if self.js is None:
            ck.append('No JSON report (%s): functions attributed by name only, smoke '
                      'tests not confirmed.' % json_error)
        else:
            jt = json_function_totals(self.js)
            counted = collections.Counter(g.func for g in self.goals)
            for F, t in sorted(jt.items()):
                if t is not None and counted.get(F, 0) != t:
                    ck.append('`%s`: %d goals in the JSON report, %d in the log.'
                              % (F, t, counted.get(F, 0)))
            for F in sorted(set(counted) - set(jt)):
                ck.append('`%s`: %d goals in the log, none in the JSON report.'
                          % (F, counted[F]))
        for g in self.goals:
            if g.file == '?':
                ck.append('`%s`: no definition of `%s` found in src/ or spec/.'
                          % (g.name, g.func))
                break
        for f in self.files:
            # a run of the lemmas or of some named clauses need not have
            # goals in every file; each named clause must have goals
            if (not self.lemmas_only and not self.props and
                    not any(k[0] == f for k in self.per)):
                ck.append('`%s` (a file of this run) has no goal in this run.' % f)
        for p in self.props:
            if not any(re.search(r'_%s(_|$)' % re.escape(p), g.name) for g in self.goals):
                ck.append('`%s` (in -wp-prop) has no goal in this run.' % p)
        if self.lemmas_only:
            for fn in sorted({k[1] for k in self.per if not k[1].startswith('lemma ')}):
                ck.append('`%s` has goals in a run of the lemmas only (-wp-prop '
                          '@lemma): the log does not match the command.' % fn)
        for fn in self.skip:
            if any(k[1] == fn for k in self.per):
                ck.append('`%s` (in -wp-skip-fct) has goals in this run: the log does '
                          'not match the command.' % fn)
        for fn in self.fct or []:
            if not any(k[1] == fn for k in self.per):
                ck.append('`%s` (in -wp-fct) has no goal in this run.' % fn)
        if self.fct is not None:
            for fn in sorted({k[1] for k in self.per} - set(self.fct)):
                if not fn.startswith('lemma '):
                    ck.append('`%s` has goals but is not in -wp-fct: the log does not '
                              'match the command.' % fn)
        if log_error:
            ck.append('WP log unreadable: %s' % log_error)
        self.checks = ck
        self.ok = (not self.info['errors'] and not ck and len(self.goals) > 0 and
                   stats_ok(self.total) and self.summary_st == 0)


def selection_text(r):
    """The functions a run selects, for the table of runs."""
    if r.lemmas_only:
        return 'the lemmas only (`-wp-prop @lemma`)'
    if r.fct is not None:
        return '%d (`-wp-fct`): %s' % (len(r.fct), ', '.join('`%s`' % f for f in r.fct))
    if r.skip:
        return 'all but %d (`-wp-skip-fct`): %s; no lemma' % (
            len(r.skip), ', '.join('`%s`' % f for f in r.skip))
    if r.props:
        return ('every function with a clause named %s; those clauses only '
                '(`-wp-prop`), no lemma' % ', '.join('`%s`' % p for p in r.props))
    return 'all'


def header(runs):
    st, head = run(['git', 'rev-parse', '--short', 'HEAD'])
    commit = first_line(head) if st == 0 else 'unknown (%s)' % first_line(head)
    st, porcelain = run(['git', 'status', '--porcelain', 'src', 'spec'])
    dirty = sorted(l[3:] for l in porcelain.splitlines() if l.strip()) if st == 0 else []
    versions = []
    for tool, cmd in (('frama-c', ['frama-c', '-version']),
                      ('why3', ['why3', '--version']),
                      ('z3', ['z3', '--version']),
                      ('cvc4', ['cvc4', '--version'])):
        st, out = run(cmd)
        versions.append(['`%s`' % ' '.join(cmd), md_cell(first_line(out)) if st == 0
                         else 'FAILED: ' + md_cell(first_line(out))])
    now = datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M UTC')
    lines = ['# Proof report', '',
             'Generated by `proofs/report.py` from %d run%s of Frama-C WP (each run is '
             'one `frama-c` invocation on a fixed set of files, optionally restricted to '
             'some functions with `-wp-fct` or `-wp-skip-fct`, or to some named clauses or the lemmas with `-wp-prop`); every figure below is computed from WP\'s '
             'logs and JSON reports, nothing is typed by hand. Regenerated by `make '
             'prove` (replay of the committed cache) and `make prove-full` (re-proof '
             'from an empty cache).' % (len(runs), '' if len(runs) == 1 else 's'), '',
             '| | |', '|---|---|',
             '| date | %s |' % now,
             '| git commit | `%s`%s |' % (commit, ' + uncommitted changes in src/ or spec/'
                                          if dirty else ''),
             ]
    if dirty:
        lines.append('| uncommitted | %s |' % ', '.join('`%s`' % d for d in dirty))
    lines += ['', 'Runs:', '']
    rows = []
    for r in runs:
        rows.append(['`%s`' % r.name, mode_text(r.cache_mode),
                     ', '.join('`%s`' % f for f in r.files),
                     selection_text(r),
                     '`%s`' % os.path.relpath(r.log, ROOT),
                     '`%s`' % os.path.relpath(r.json, ROOT) if r.json not in ('', '-')
                     else 'none'])
    lines += table(['run', 'mode', 'files', 'functions selected', 'WP log',
                    'WP JSON report'], rows)
    lines.append('')
    for r in runs:
        lines += ['Command of run `%s`:' % r.name, '', '```', r.command, '```', '']
    lines += ['Tools:', '']
    lines += table(['command', 'version'], versions)
    lines.append('')
    return lines


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--run', action='append', nargs=5, default=[],
                    metavar=('NAME', 'LOG', 'JSON', 'FILES', 'CMD'),
                    help='one WP run: its name, log, -wp-report-json file ("-": '
                         'none), the files given to frama-c, the command; repeatable')
    ap.add_argument('--src', default='', help='every source file of the library (the '
                    'Makefile SRC): those in no run are listed as not in the proof')
    ap.add_argument('--out', default=os.path.join(ROOT, 'proofs', 'REPORT.md'))
    # the single-run interface of earlier versions: one run named "prove"
    ap.add_argument('--log', help=argparse.SUPPRESS)
    ap.add_argument('--json', default='-', help=argparse.SUPPRESS)
    ap.add_argument('--proved', default='', help=argparse.SUPPRESS)
    ap.add_argument('--command', default='', help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.log:
        a.run.append(['prove', a.log, a.json, a.proved, a.command])
    if not a.run:
        ap.error('no run given (--run NAME LOG JSON FILES CMD)')
    names = [r[0] for r in a.run]
    if len(set(names)) != len(names):
        ap.error('run names must differ: %s' % ' '.join(names))
    runs = [Run(*r) for r in a.run]
    # A run restricted to some functions proves no lemma: the lemmas its goals
    # use must be proved by another run of the same files.
    for r in runs:
        if (r.fct is not None or r.skip or r.props) and not any(
                q.files == r.files and (q.lemmas_only or
                                        (q.fct is None and not q.skip and not q.props))
                for q in runs):
            r.checks.append('Restricted to some functions, so it proves no lemma, and no '
                            'other run of the same files proves them (add a run with '
                            '`-wp-prop @lemma`).')
            r.ok = False

    # ---- figures over all runs
    per = collections.OrderedDict()        # (file, func, run) -> stats
    for r in runs:
        for (fil, fn), s in r.per.items():
            per[(fil, fn, r.name)] = s
    provers = set()
    for s in per.values():
        provers.update(s['by'])
    prover_cols = sorted(provers, key=lambda p: (p != 'Qed', p))
    for p in ('Qed', 'Z3', 'CVC4'):
        if p not in prover_cols:
            prover_cols.append(p)
    run_files = []
    for r in runs:
        run_files += [f for f in r.files if f not in run_files]
    file_order = {f: i for i, f in enumerate(run_files)}

    def file_key(f):
        if f in file_order:
            return (0, file_order[f], f)
        if f.endswith('.h') and f.startswith('src/'):
            return (1, 0, f)
        if f == '?':
            return (3, 0, f)
        return (2, 0, f)

    keys = sorted(per, key=lambda k: (file_key(k[0]), k[1].startswith('lemma '), k[1],
                                      names.index(k[2])))
    tot = new_stats()
    for s in per.values():
        for k in ('goals', 'proved', 'smoke', 'smoke_ok', 'time', 'qed', 'timed', 'cached'):
            tot[k] += s[k]
        tot['max'] = max(tot['max'], s['max'])
        tot['by'].update(s['by'])
    all_ok = all(r.ok for r in runs)

    # functions of the source files without goals in any run
    with_goals = collections.defaultdict(set)
    for (fil, fn, rn) in per:
        with_goals[fil].add(fn)
    src_files = [f for f in run_files if f.endswith('.c')]
    src_files += [f for f in a.src.split() if f not in src_files]
    defined = {f: c_functions(f) for f in src_files}
    missing = {f: [(n, l) for n, l in defined[f] if n not in with_goals[f]]
               for f in src_files}
    in_proof = [f for f in src_files if f in run_files]
    outside = [f for f in src_files if f not in run_files]
    n_defined = sum(len(defined[f]) for f in src_files)
    n_missing = sum(len(v) for v in missing.values())
    # the trusted edge: functions of files in no run that spec/TRUSTED.md names
    edge_files, named = trusted_edge()
    edge = {n: named[n] for f in outside if f in edge_files
            for n, _ in missing[f] if n in named}
    n_trusted = sum(1 for f in src_files for n, _ in missing[f] if n in edge)
    n_open = n_missing - n_trusted

    def trusted_ids(names_):
        ids = sorted({t for n in names_ for t in edge.get(n, [])},
                     key=lambda t: int(t[1:]))
        return ', '.join(ids)

    out = header(runs)

    # ---- 2. summary
    out += ['## Summary', '']
    verdict = ('**100%% proved**: %d of %d goals Valid and %d of %d smoke tests passed, '
               'in every run' % (tot['proved'], tot['goals'], tot['smoke_ok'], tot['smoke'])
               ) if all_ok else \
        ('**NOT 100%% proved**: %d of %d goals Valid, %d of %d smoke tests passed; '
         'runs not 100%%: %s' % (tot['proved'], tot['goals'], tot['smoke_ok'], tot['smoke'],
                                 ', '.join('`%s`' % r.name for r in runs if not r.ok)))
    if any(r.info['errors'] for r in runs):
        verdict += '; Frama-C reported errors (below)'
    if any(r.checks for r in runs):
        verdict += '; consistency checks failed (below)'
    if all_ok and n_missing:
        verdict += ' (of the functions in the proof only: %s)' % '; '.join(
            x for x in ('%d functions of the trusted edge excluded' % n_trusted
                        if n_trusted else '',
                        '%d functions not yet proved' % n_open if n_open else '') if x)
    out += ['Verdict: ' + verdict + '.', '']
    if n_open:
        out += ['Coverage: **the proof is not complete**: %d of the %d functions defined in '
                'the source files have no goal in any run and are not in the trusted '
                'edge (spec/TRUSTED.md) (%d in files of the runs, not selected with `-wp-fct`; %d in '
                'files not in the proof)%s: listed under "Functions outside the proof".'
                % (n_open, n_defined, sum(len(missing[f]) for f in in_proof),
                   n_open - sum(len(missing[f]) for f in in_proof),
                   '; %d more are the trusted edge (%s)' % (n_trusted, trusted_ids(edge))
                   if n_trusted else ''), '']
    elif n_missing:
        out += ['Coverage: **every function is in the proof but the trusted edge**: %d of '
                'the %d functions defined in the source files have goals in a run; the '
                'other %d, in %s, are outside the proof by design, each named in a trusted '
                'assumption of `spec/TRUSTED.md` (%s) with why it is not proved and what '
                'backs it instead: listed under "Functions outside the proof".'
                % (n_defined - n_missing, n_defined, n_missing,
                   ', '.join('`%s`' % f for f in outside if missing[f]),
                   trusted_ids(edge)), '']
    else:
        out += ['Coverage: every one of the %d functions defined in the source files (%s) '
                'has goals in a run.' % (n_defined, ', '.join('`%s`' % f for f in src_files)),
                '']
    rows = []
    for r in runs:
        t = r.total
        rows.append(['`%s`' % r.name, ', '.join('`%s`' % f for f in r.files),
                     len({k[1] for k in r.per if not k[1].startswith('lemma ')}),
                     '%d / %d' % (t['proved'], t['goals']),
                     '%d / %d' % (t['smoke_ok'], t['smoke']),
                     '%d / %d' % r.info['wp_summary'] if r.info['wp_summary'] else 'missing',
                     '`%s` (exit status %d)' % (md_cell(r.summary_line), r.summary_st),
                     'yes' if r.ok else '**no**'])
    out += ['Per run (`ci/proof-summary.sh` on each log is the verdict of `make prove`):', '']
    out += table(['run', 'files', 'functions with goals', 'goals proved (Valid) / total',
                  'smoke tests passed / total', 'WP "Proved goals"',
                  '`ci/proof-summary.sh`', '100%'], rows,
                 ['l', 'l', 'r', 'r', 'r', 'r', 'l', 'l'])
    out.append('')
    rows = []
    files = collections.OrderedDict((f, [0, 0, 0, 0, set(), False]) for f in run_files)
    for k in keys:
        t = files.setdefault(k[0], [0, 0, 0, 0, set(), False])
        s = per[k]
        t[0] += s['goals']
        t[1] += s['proved']
        t[2] += s['smoke']
        t[3] += s['smoke_ok']
        t[4].add(k[2])
        t[5] |= k[1].startswith('lemma ')
    for f, t in files.items():
        label = '`%s`' % f
        if f.endswith('.h') and f.startswith('src/'):
            label += ' (inline helpers)'
        elif t[5]:
            label += ' (lemmas)'
        fns = ('%d / %d' % (len(defined[f]) - len(missing[f]), len(defined[f]))
               if f in defined else '—')
        complete = t[0] == t[1] and t[2] == t[3] and t[0] > 0 and not missing.get(f)
        rows.append([label, ', '.join('`%s`' % n for n in names if n in t[4] or
                                      any(n == r.name and f in r.files for r in runs)),
                     fns, '%d / %d' % (t[1], t[0]), '%d / %d' % (t[3], t[2]),
                     'yes' if complete else '**no**'])
    for f in outside:
        whole = bool(defined[f]) and all(n in edge for n, _ in defined[f])
        rows.append(['`%s`' % f, 'trusted edge (%s), not in the proof' % trusted_ids(
            [n for n, _ in defined[f]]) if whole else '**not in the proof**',
                     '0 / %d' % len(defined[f]), '0 / 0', '0 / 0',
                     'trusted' if whole else '**no**'])
    rows.append(['**total**', '', '**%d / %d**' % (n_defined - n_missing, n_defined),
                 '**%d / %d**' % (tot['proved'], tot['goals']),
                 '**%s / %d**' % (tot['smoke_ok'], tot['smoke']),
                 '**%s**' % ('no' if not all_ok or n_open else
                             'yes, but the trusted edge' if n_missing else 'yes')])
    out += ['Per file, over all runs ("functions with goals": of the functions defined in '
            'a `.c` file, those with goals in some run; "all" needs every goal and smoke '
            'test of the file proved and every function of it in the proof; "trusted": a '
            'file in no run whose every function a trusted assumption names):', '']
    out += table(['file', 'runs', 'functions with goals / defined',
                  'goals proved (Valid) / total', 'smoke tests passed / total', 'all'],
                 rows, ['l', 'l', 'r', 'r', 'r', 'l'])
    out += ['',
            'A goal counts as proved only if WP reports it Valid. A smoke test (WP tries '
            'to prove `false` from a contract\'s precondition or at a piece of code; if it '
            'can, the contract is contradictory or the code dead) counts as passed only '
            'if WP reports `[Passed] Smoke-test` and the run\'s JSON report records a '
            'prover verdict for it (WP also prints "Passed" when no prover ran, e.g. a '
            'missing cache entry in offline mode).', '']
    for r in runs:
        if r.info['summary_block']:
            out += ['WP\'s own summary of run `%s` (it counts smoke tests with the goals):'
                    % r.name, '', '```'] + r.info['summary_block'] + (
                ['[Cache] ' + r.info['cache']] if r.info['cache'] else []) + ['```', '']
    if any(r.cache_mode == 'offline' for r in runs):
        out += ['Times: a run that replays the cache (`-wp-cache offline`) shows, for Z3 '
                'and CVC4, the times recorded in the cache when the goal was last proved '
                '(`make prove-full`); Qed (WP\'s simplifier) times are measured in the run. '
                'In a `[Cache]` line above, "failed" counts prover results not found in the '
                'cache: harmless for a goal another prover proved (each goal is given to '
                'both provers); a goal or smoke test that needed a missing entry is listed '
                'under "Goals not proved".', '']
    out += ['Prover results read from the cache: %s.' % '; '.join(
        'run `%s` (%s): %d of %d' % (r.name, r.cache_mode, r.total['cached'],
                                    r.total['timed']) for r in runs), '']
    for r in runs:
        if r.info['errors']:
            out += ['Frama-C errors in run `%s`:' % r.name, '', '```'] + \
                r.info['errors'] + ['```', '']
    if any(r.checks for r in runs):
        out += ['Consistency checks that failed:', ''] + [
            '* run `%s`: %s' % (r.name, c) for r in runs for c in r.checks] + ['']
    else:
        out += ['Consistency checks: in every run, WP\'s "Proved goals" line agrees with '
                'the per-goal lines, the goals per function agree with the JSON report, '
                'and every file and `-wp-fct` function of the run has goals.', '']

    # ---- 3. per function
    out += ['## Goals per function', '',
            'Goals are WP\'s proof obligations (contracts, loop annotations, assertions and, '
            'with `-wp-rte`, every overflow, shift, division and memory access); '
            '"closed by" is the prover WP credits (Qed is WP\'s own simplifier). Prover '
            'time is the Z3/CVC4 time of the goals they closed (cached times in an '
            'offline run, see above). A function appears once per run that has goals '
            'for it.', '']
    rows = []
    for k in keys:
        s = per[k]
        rows.append(['`%s`' % k[0], '`%s`' % k[1], '`%s`' % k[2], s['goals'],
                     s['proved'] if s['proved'] == s['goals'] else '**%d**' % s['proved']] +
                    [s['by'].get(p, 0) for p in prover_cols] +
                    ['%d / %d' % (s['smoke_ok'], s['smoke']) if s['smoke'] else '—',
                     fmt_s(s['time']) if s['timed'] else '—',
                     fmt_s(s['max']) if s['timed'] else '—',
                     fmt_s(s['qed'])])
    rows.append(['**total**', '', '', '**%d**' % tot['goals'], '**%d**' % tot['proved']] +
                ['**%d**' % tot['by'].get(p, 0) for p in prover_cols] +
                ['**%d / %d**' % (tot['smoke_ok'], tot['smoke']),
                 '**%s**' % fmt_s(tot['time']), '**%s**' % fmt_s(tot['max']),
                 '**%s**' % fmt_s(tot['qed'])])
    out += table(['file', 'function', 'run', 'goals', 'proved'] +
                 ['by %s' % p for p in prover_cols] +
                 ['smoke passed', 'prover time', 'max prover time', 'Qed time'],
                 rows, ['l', 'l', 'l'] + ['r'] * (2 + len(prover_cols) + 4))
    out.append('')

    # ---- 3b. functions without goals
    out += ['## Functions outside the proof', '',
            'Functions defined (with a body, at top level) in the source files that have '
            'no goal in any run: in a file of a run but not selected with `-wp-fct`, or in '
            'a file of the Makefile `SRC` that is in no run. Found by scanning the C text, '
            'so code under `#if` is listed whatever the condition. A function of a file in '
            'no run that a row of `spec/TRUSTED.md` names is the trusted edge (the row\'s '
            'id follows its name); any other is not yet proved.', '']
    if not n_missing:
        out += ['None: every function defined in %s has goals.'
                % ', '.join('`%s`' % f for f in src_files), '']
    for f in src_files:
        if not missing[f]:
            continue
        rs = [r.name for r in runs if f in r.files]
        whole = not rs and all(n in edge for n, _ in defined[f])
        out += ['* `%s` (%s): %d of %d functions: %s' % (
            f, 'run %s' % ', '.join('`%s`' % n for n in rs) if rs else
            'in no run: the trusted edge' if whole else '**not in the proof**',
            len(missing[f]), len(defined[f]),
            ', '.join('`%s` (line %d%s)' % (n, l, ', trusted: %s' % trusted_ids([n])
                                            if n in edge else ', **not yet proved**')
                      for n, l in missing[f]))]
    out.append('')

    # ---- 4. trusted assumptions
    out += ['## Trusted assumptions', '',
            'What the proofs do not cover, from `spec/TRUSTED.md` (read when this report '
            'was generated):', '']
    trusted = read('spec/TRUSTED.md')
    tt = md_tables(trusted or '')
    if tt:
        out += tt[0][2]
    else:
        out.append('**spec/TRUSTED.md has no table%s.**' %
                   ('' if trusted is not None else ' (file missing)'))
    out.append('')
    warnings = sorted(set(w for r in runs for w in r.info['warnings']))
    if warnings:
        wnames = sorted(set(re.findall(r"hypotheses for function '(\w+)'",
                                       '\n'.join(warnings))))
        out += ['Hypotheses and warnings WP itself added in these runs (%d warnings; the '
                'Typed memory model\'s separation hypotheses, part of T3, for %d '
                'functions%s):' % (len(warnings), len(wnames),
                                   ': ' + ', '.join('`%s`' % n for n in wnames)
                                   if wnames else ''),
                '', '<details><summary>WP warnings, verbatim</summary>', '', '```']
        out += warnings
        out += ['```', '', '</details>', '']

    # ---- 5. requirements traceability
    where = {}
    for r in runs:
        for n, f in r.where.items():
            where.setdefault(n, f)
    out += requirements_section(per, where, edge)

    # ---- 6. not proved
    out += ['## Goals not proved', '',
            'Every goal that is not Valid and every smoke test that did not pass, from '
            'the runs\' logs.', '']
    failed = [(r, g) for r in runs for g in r.goals if not g.proved]
    if not failed:
        out += ['None: every goal is Valid and every smoke test passed.', '']
    else:
        rows = []
        for r, g in sorted(failed, key=lambda x: (file_key(x[1].file), x[1].func,
                                                  names.index(x[0].name), x[1].name)):
            status = '%s %s' % (g.kind, g.tag if g.kind == 'Smoke-test' or not g.prover
                                else '%s: %s' % (g.tag, g.status))
            detail = '; '.join(g.detail)
            if g.kind == 'Goal' and not g.detail and g.tag == 'Failed':
                detail = 'no prover verdict' + (
                    ' (offline mode: not in the cache)' if r.cache_mode == 'offline' else '')
            rows.append(['`%s`' % g.file, '`%s`' % g.func, '`%s`' % r.name, '`%s`' % g.name,
                         md_cell(status), md_cell('; '.join(x for x in (detail, g.note) if x))])
        out += table(['file', 'function', 'run', 'goal', 'WP status', 'detail'], rows)
        out.append('')

    text_out = '\n'.join(out).rstrip() + '\n'
    tmp = a.out + '.tmp'
    try:
        with open(tmp, 'w', encoding='utf-8') as f:
            f.write(text_out)
        os.replace(tmp, a.out)
    except OSError as e:
        print('report: cannot write %s: %s' % (a.out, e), file=sys.stderr)
        return 2
    print('report: %s written (%d/%d goals proved, %d/%d smoke tests passed in %d run%s%s%s)'
          % (os.path.relpath(a.out, ROOT), tot['proved'], tot['goals'], tot['smoke_ok'],
             tot['smoke'], len(runs), '' if len(runs) == 1 else 's',
             '' if all_ok else '; NOT 100%',
             '; %d functions not yet proved' % n_open if n_open else ''))
    return 0 if all_ok and not n_open else 1


def requirements_section(per, where, trusted):
    lines = ['## Requirements traceability', '',
             'From `spec/REQUIREMENTS.md` (read when this report was generated). The check '
             'column is generated: each function named in backticks under "proved by" '
             '(`*` patterns expanded over the functions with goals) counts as proved if all '
             'its goals and smoke tests are proved in some run, and a function of the '
             'trusted edge (a file in no run, named in `spec/TRUSTED.md`) counts as '
             'trusted, with its row\'s id ("proved, leaning on trusted assumptions"); each test named in backticks under "tested by" looked up among the test '
             'functions of `tests/*.c` and `tests/target/*.c`, each fuzz harness `fuzz_*` '
             'as `fuzz/<name>.c`, each backticked path as a file. Names in backticks that '
             'are not functions (predicates, behaviours, clauses) are not checked.', '']
    text = read('spec/REQUIREMENTS.md')
    if text is None:
        return lines + ['**spec/REQUIREMENTS.md is missing.**', '']
    table_ = None
    for h, rows, raw in md_tables(text):
        low = [c.lower() for c in h]
        if 'id' in low and any('proved' in c for c in low):
            table_ = (low, rows)
            break
    if table_ is None:
        return lines + ['**No requirements table (with "id" and "proved by" columns) in '
                        'spec/REQUIREMENTS.md.**', '']
    low, rows = table_

    def col(name):
        for i, c in enumerate(low):
            if name in c:
                return i
        return None
    ci, cr, cp, ct = col('id'), col('requirement'), col('proved'), col('tested')

    fstat = collections.defaultdict(list)      # function -> [(run, stats)]
    for (fil, fn, rn), s in per.items():
        fstat[fn].append((rn, s))
    c_funcs = set(where)
    tests = test_functions()
    fuzz = {os.path.splitext(os.path.basename(p))[0]
            for p in glob.glob(os.path.join(ROOT, 'fuzz', 'fuzz_*.c'))}

    out_rows = []
    counts = collections.Counter()
    missing_total = 0
    for r in rows:
        def cell(i):
            return r[i] if i is not None and i < len(r) else ''
        rid, req, pby, tby = cell(ci), cell(cr), cell(cp), cell(ct)
        if not rid:
            continue
        # ---- proof side
        pchecks, pstate, leans = [], None, False
        if re.match(r'\s*not yet', pby, re.I):
            pstate = 'not proved'
            pchecks.append('not proved ("not yet")')
        else:
            names = []
            for tok in re.findall(r'`([^`]+)`', pby):
                tok = tok.strip()
                if not re.fullmatch(r'[A-Za-z_][\w*]*', tok):
                    continue
                if '*' in tok:
                    hit = sorted(f for f in fstat if fnmatch.fnmatchcase(f, tok))
                    names += [f for f in hit if f not in names]
                elif tok in fstat or tok in c_funcs:
                    if tok not in names:
                        names.append(tok)
            bad = False
            for hdr in re.findall(r'every function (?:of|in) `?([\w./-]+\.[ch])`?', pby):
                declared = declared_functions(hdr)
                if not declared:
                    pchecks.append('"every function of %s": **no functions found**' % hdr)
                    bad = True
                names += [f for f in declared if f not in names]
            for n in names:
                if n not in fstat and n in trusted:
                    pchecks.append('`%s`: trusted (%s, `spec/TRUSTED.md`), not in the '
                                   'proof' % (n, ', '.join(trusted[n])))
                    leans = True
                    continue
                if n not in fstat:
                    pchecks.append('`%s`: **no goals in any run** (not yet proved)' % n)
                    bad = True
                    continue
                # every run with goals of the function (src/slab.c's page
                # counts are proved in a run of their own): all must be whole
                ok = all(stats_ok(x[1]) for x in fstat[n])
                bad |= not ok
                tot = {k: sum(x[1][k] for x in fstat[n])
                       for k in ('proved', 'goals', 'smoke_ok', 'smoke')}
                pchecks.append('`%s`: %d/%d proved (run%s %s)%s%s' % (
                    n, tot['proved'], tot['goals'], 's' if len(fstat[n]) > 1 else '',
                    ', '.join(x[0] for x in fstat[n]),
                    ', smoke %d/%d' % (tot['smoke_ok'], tot['smoke']) if tot['smoke'] else '',
                    '' if ok else ' **NOT PROVED**'))
            if not names and not bad:
                pstate = 'no function named'
                pchecks.append('no proved function named: not checked')
            else:
                pstate = 'NOT PROVED' if bad else \
                    'proved, leaning on trusted assumptions' if leans else 'proved'
        counts[pstate] += 1
        # ---- test side
        tchecks = []
        seen = set()
        for tok in re.findall(r'`([^`]+)`', tby):
            tok = tok.strip()
            if tok in seen:
                continue
            seen.add(tok)
            if re.fullmatch(r'test_[\w*]+', tok):
                if '*' in tok:
                    hit = sorted(t for t in tests if fnmatch.fnmatchcase(t, tok))
                    if hit:
                        tchecks.append('`%s`: %d tests' % (tok, len(hit)))
                    else:
                        tchecks.append('`%s`: **missing**' % tok)
                        missing_total += 1
                elif tok in tests:
                    tchecks.append('`%s` ✓' % tok)
                else:
                    tchecks.append('`%s`: **missing**' % tok)
                    missing_total += 1
            elif '/' in tok and re.fullmatch(r'[\w./*-]+', tok):
                hit = glob.glob(os.path.join(ROOT, tok))
                if hit:
                    tchecks.append('`%s`: %d file%s' % (tok, len(hit), 's' if len(hit) > 1 else ''))
                else:
                    tchecks.append('`%s`: **missing**' % tok)
                    missing_total += 1
        for fz in sorted(set(re.findall(r'\b(fuzz_[a-z0-9_]+)\b', tby))):
            if fz in fuzz:
                tchecks.append('`fuzz/%s.c` ✓' % fz)
            else:
                tchecks.append('`fuzz/%s.c`: **missing**' % fz)
                missing_total += 1
        check = '**%s**: ' % pstate + '; '.join(pchecks)
        if tchecks:
            check += '<br>tests: ' + ', '.join(tchecks)
        out_rows.append([md_cell(rid), md_cell(req), md_cell(pby), md_cell(tby), check])
    lines += ['%d requirements: %s. Tests or files named but not found: %d.' % (
        len(out_rows), '; '.join('%d %s' % (counts[k], k) for k in
                                 ('proved', 'proved, leaning on trusted assumptions', 'NOT PROVED',
                                  'not proved', 'no function named')
                                 if counts[k]), missing_total), '']
    lines += table(['id', 'requirement', 'proved by', 'tested by', 'check (generated)'],
                   out_rows)
    lines.append('')
    return lines


if __name__ == '__main__':
    sys.exit(main())
