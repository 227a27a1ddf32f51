#!/usr/bin/env python3
"""audit/audit.py - the audit pack (make audit).

Runs every check an auditor asks for and writes OUT/index.md (and
OUT/index.html rendered from it) with the raw outputs next to it:

  proofs      `make prove` (replay of the committed cache), goals per
              file and function from the WP log, prover versions
  unit tests  build/test_slab (cmocka, ASan+UBSan), its output kept
  coverage    line and branch coverage of src/ (gcc --coverage, gcovr) by
              the unit tests and by the fuzz corpus replay
  MISRA       cppcheck's MISRA C:2012 addon; findings by rule and
              category, deviations from the inline suppressions in src/
  matrix      $(WARN) builds across compilers, targets and configurations
  size        bench/size.sh over `make size-objs`
  bounds      loops of every function (read from src/), their bounds
              (audit/loop-bounds.txt), the bound of every public function
              and path, and the measured worst paths of bench/RESULTS.md
  versions    every tool used

No figure in the pack is typed by hand: each is parsed from the output
of the command shown with it. Analyses written by people (the loop bounds,
the path list, the MISRA categories) live in audit/*.txt and are checked
against the sources on every run (a loop without a bound is reported).

Usage: audit/audit.py --out build/audit --make make --src "..." \
           --warn "..." --proved "..."
"""
import argparse
import concurrent.futures
import datetime
import glob
import html
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import csource  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
os.chdir(ROOT)

COMMANDS = []  # (step, command, seconds, exit status)
PROBLEMS = []  # what went wrong while building the pack (not findings)


def rel(path, out):
    return os.path.relpath(path, out)


def run(step, cmd, log=None, env=None, timeout=900, cwd=None, quiet=False):
    """Run cmd (a list, or a string for the shell); returns (status, text).
    The output also goes to `log` if given."""
    t0 = time.time()
    shell = isinstance(cmd, str)
    try:
        p = subprocess.run(cmd, shell=shell, cwd=cwd, env=env, timeout=timeout,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        status, text = p.returncode, p.stdout.decode('utf-8', 'replace')
    except subprocess.TimeoutExpired as e:
        status = 124
        text = (e.stdout or b'').decode('utf-8', 'replace') + '\n[timed out]\n'
    except OSError as e:
        status, text = 127, str(e) + '\n'
    dt = time.time() - t0
    shown = cmd if shell else ' '.join(shlex.quote(c) for c in cmd)
    if not quiet:
        COMMANDS.append((step, shown, dt, status))
    if log:
        os.makedirs(os.path.dirname(log), exist_ok=True)
        with open(log, 'w') as f:
            f.write('$ ' + shown + '\n' + text)
    return status, text


def first_line(text):
    for line in text.splitlines():
        if line.strip():
            return line.strip()
    return '?'


def md_escape(s):
    return s.replace('|', '\\|')


def pct(a, b):
    return '%.1f%%' % (100.0 * a / b) if b else 'n/a'


def table(header, rows, align=None):
    align = align or ['l'] * len(header)
    sep = ['---:' if a == 'r' else '---' for a in align]
    out = ['| ' + ' | '.join(header) + ' |', '| ' + ' | '.join(sep) + ' |']
    for r in rows:
        out.append('| ' + ' | '.join(str(c) for c in r) + ' |')
    return '\n'.join(out)


def git_state():
    st, head = run('git', ['git', 'rev-parse', '--short', 'HEAD'], quiet=True)
    if st != 0:
        return 'unknown (not a git checkout)', []
    _, dirty = run('git', ['git', 'status', '--porcelain', '--', 'src', 'spec',
                           'tests', 'fuzz', 'proofs'], quiet=True)
    changed = [l[3:] for l in dirty.splitlines() if l.strip() and not l.startswith('??')]
    new = [l[3:] for l in dirty.splitlines() if l.startswith('??')]
    if new:
        changed.append('%d untracked path%s (%s)' % (
            len(new), '' if len(new) == 1 else 's',
            ', '.join(new[:4]) + (', ...' if len(new) > 4 else '')))
    return head.strip() or '?', changed


# ---- tool versions ---------------------------------------------------------

TOOLS = [
    ('gcc', ['gcc', '--version']),
    ('clang', ['clang', '--version']),
    ('arm-none-eabi-gcc', ['arm-none-eabi-gcc', '--version']),
    ('riscv64-unknown-elf-gcc', ['riscv64-unknown-elf-gcc', '--version']),
    ('frama-c', ['frama-c', '-version']),
    ('why3', ['why3', '--version']),
    ('z3', ['z3', '--version']),
    ('cvc4', ['cvc4', '--version']),
    ('cppcheck', ['cppcheck', '--version']),
    ('gcovr', ['gcovr', '--version']),
    ('gcov', ['gcov', '--version']),
    ('cmocka', ['dpkg-query', '-W', '-f', '${Package} ${Version}\n', 'libcmocka-dev']),
    ('valgrind (bench)', ['valgrind', '--version']),
    ('python3', ['python3', '--version']),
    ('make', ['make', '--version']),
    ('pkg-config', ['pkg-config', '--version']),
]


def tool_versions():
    rows = {}
    for name, cmd in TOOLS:
        st, text = run('versions', cmd, quiet=True)
        line = first_line(text) if st == 0 else 'not installed'
        if name == 'cvc4':
            m = re.search(r'(CVC4 version [^\s]+)', text)
            line = m.group(1) if m else line
        rows[name] = (' '.join(cmd), line)
    return rows


# ---- proofs ----------------------------------------------------------------

def section_proofs(a, out, versions):
    """Run `make prove` (every WP run, replayed from the committed cache) and
    put the proof report it generates, proofs/REPORT.md, into the pack."""
    log = os.path.join(out, 'prove.txt')
    st, text = run('proofs', a.make + ' -s prove', log=log, timeout=1800)
    lines = ['## Proofs', '']
    report = os.path.join('proofs', 'REPORT.md')
    if not os.path.exists(report):
        PROBLEMS.append('make prove wrote no proofs/REPORT.md')
        lines += ['`make prove` wrote no `proofs/REPORT.md` (exit status %d); see '
                  '[prove.txt](prove.txt).' % st, '']
        return lines, {'ok': False, 'text': 'no proof report'}
    shutil.copy(report, os.path.join(out, 'proof-report.md'))
    body = open(report, encoding='utf-8').read()
    m = re.search(r'^Verdict: (.*)$', body, re.M)
    cov = re.search(r'^Coverage: (.*)$', body, re.M)
    verdicts = re.findall(r'^prove: .*$', text, re.M)
    res = {'ok': st == 0,
           'text': (m.group(1) if m else 'no verdict in the report') +
                   ('' if st == 0 else ' — `make prove` FAILED')}
    lines += [
        'Command: `make prove` — every Frama-C WP run of the proof, replayed from the',
        'committed prover cache `proofs/cache` offline (a goal missing from the cache',
        'fails), exit status %d. Its verdicts: %s.' % (
            st, '; '.join('`%s`' % v for v in verdicts) or 'none printed'),
        '',
        'The proof report it generated, [proof-report.md](proof-report.md) (a copy of',
        '`proofs/REPORT.md`), has goals per file and per function, the provers and',
        'their times, the functions outside the proof (trusted edge or not yet proved),',
        'the trusted assumptions and the',
        'requirements table with a generated check column.',
        '',
        'Verdict: %s' % (m.group(1) if m else '**missing**'),
        '',
        'Coverage of the proof: %s' % (cov.group(1) if cov else '**missing**'),
        '']
    lines += ['Prover versions (each from its own command):', '']
    lines.append(table(['tool', 'command', 'version'],
                       [[t, '`%s`' % versions[t][0], md_escape(versions[t][1])]
                        for t in ('frama-c', 'why3', 'z3', 'cvc4')]))
    lines += ['',
              'What the proofs rely on and what they cover: [TRUSTED.md](TRUSTED.md) '
              '(trusted assumptions) and [REQUIREMENTS.md](REQUIREMENTS.md) '
              '(requirements and what proves and tests each), copied from `spec/`.', '']
    for f in ('TRUSTED.md', 'REQUIREMENTS.md'):
        shutil.copy(os.path.join('spec', f), os.path.join(out, f))
    return lines, res


# ---- unit tests --------------------------------------------------------------

def section_unit(a, out):
    lines = ['## Unit tests', '']
    progs = ['test_slab', 'test_check']
    st, text = run('unit tests', a.make + ' -s ' + ' '.join('build/' + p for p in progs),
                   log=os.path.join(out, 'unit-build.txt'))
    if st != 0:
        PROBLEMS.append('unit tests did not build')
        return lines + ['`make build/test_slab build/test_check` failed: see '
                        '[unit-build.txt](unit-build.txt).', ''], \
            {'ok': False, 'text': 'build FAILED'}
    ok = bad = n_run = 0
    failed_names = []
    statuses = []
    for prog in progs:
        log = os.path.join(out, 'unit-tests-%s.txt' % prog)
        st, text = run('unit tests', ['./build/' + prog], log=log)
        p_ok = re.findall(r'^\[  PASSED  \] (\d+) test', text, re.M)
        p_bad = re.findall(r'^\[  FAILED  \] (\d+) test', text, re.M)
        p_run = re.findall(r'^\[==========\] (\d+) test\(s\) run', text, re.M)
        ok += int(p_ok[-1]) if p_ok else 0
        bad += int(p_bad[-1]) if p_bad else 0
        n_run += int(p_run[-1]) if p_run else 0
        failed_names += re.findall(r'^\[  FAILED  \] (\w+)', text, re.M)
        statuses.append('%s: exit status %d' % (prog, st))
        if st != 0 and not p_bad:
            bad += 1
    res = {'ok': bad == 0 and ok > 0, 'text': '%d passed, %d failed' % (ok, bad)}
    lines += ['Command: `make build/test_slab build/test_check`, then each program '
              '(cmocka; built with AddressSanitizer and UndefinedBehaviorSanitizer, `-O1`). '
              '`test_slab` is the API suite, `test_check` the white-box suite that damages '
              'the bookkeeping. Output: ' +
              ', '.join('[unit-tests-%s.txt](unit-tests-%s.txt)' % (p, p) for p in progs) + '.', '',
              '**%d test(s) run: %d passed, %d failed** (%s).'
              % (n_run, ok, bad, '; '.join(statuses)), '']
    if failed_names:
        lines += ['Failed: ' + ', '.join('`%s`' % n for n in failed_names), '']
    return lines, res


# ---- coverage ------------------------------------------------------------------

def coverage_build(a, out, name, programs, defines, title):
    """Build $(SRC) once with --coverage into out/coverage/name, link it
    with each program's own sources, run each, then gcovr the lot.
    programs: [(program name, [its sources], [arguments], [libraries])]."""
    d = os.path.join(out, 'coverage', name)
    obj = os.path.join(d, 'obj')
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(os.path.join(d, 'html'))
    os.makedirs(obj)
    cflags = ['-std=c99', '-O0', '-g', '--coverage', '-Isrc'] + defines
    built = {}

    def compile_one(src):
        if src in built:
            return built[src]
        o = os.path.join(obj, os.path.basename(src)[:-2] + '.o')
        st, text = run('coverage ' + name, ['gcc'] + cflags + ['-c', src, '-o', o])
        if st == 0:
            built[src] = o
        else:
            PROBLEMS.append('coverage build (%s) failed: %s' % (name, src))
            built[src] = (None, text)
        return built[src]
    lib = []
    for src in a.src.split():
        o = compile_one(src)
        if not isinstance(o, str):
            return None, o[1]
        lib.append(o)
    runs = []
    for prog, srcs, args, libs in programs:
        objs = []
        for src in srcs:
            o = compile_one(src)
            if not isinstance(o, str):
                return None, o[1]
            objs.append(o)
        exe = os.path.join(obj, prog)
        st, text = run('coverage ' + name, ['gcc', '--coverage'] + objs + lib + libs + ['-o', exe])
        if st != 0:
            PROBLEMS.append('coverage link (%s) failed' % prog)
            return None, text
        st, runtext = run('coverage ' + name, [os.path.abspath(exe)] + args,
                          log=os.path.join(d, 'run-%s.txt' % prog))
        if st != 0:
            PROBLEMS.append('coverage run (%s) exited with %d' % (prog, st))
        runs.append((prog, args, st, runtext))
    # the object directory as the search path too: gcovr would otherwise
    # read every .gcda under the root, other runs' included
    gcovr = ['gcovr', '-r', '.', obj, '--object-directory', obj, '--filter', 'src/',
             '--exclude-unreachable-branches', '--print-summary',
             '--txt', os.path.join(d, 'coverage.txt'),
             '--json', os.path.join(d, 'coverage.json'),
             '--html-details', os.path.join(d, 'html', 'index.html'),
             '--html-title', 'slab: src/ covered by ' + title]
    st, summary = run('coverage ' + name, gcovr, log=os.path.join(d, 'gcovr.txt'))
    if st != 0:
        PROBLEMS.append('gcovr (%s) failed' % name)
        return None, summary
    return d, runs


def coverage_numbers(d):
    data = json.load(open(os.path.join(d, 'coverage.json')))
    files = []
    for f in sorted(data['files'], key=lambda f: f['file']):
        src = open(f['file'], encoding='utf-8').read().splitlines()
        lt = lc = bt = bc = 0
        miss_lines, miss_br = [], []
        for ln in f['lines']:
            if ln.get('gcovr/noncode') or ln.get('gcovr/excluded'):
                continue
            lt += 1
            if ln['count'] > 0:
                lc += 1
            else:
                miss_lines.append(ln['line_number'])
            br = ln.get('branches', [])
            if br:
                taken = sum(1 for b in br if b['count'] > 0)
                bt += len(br)
                bc += taken
                if taken < len(br):
                    miss_br.append((ln['line_number'], taken, len(br)))
        funcs = [fn['name'] for fn in f.get('functions', [])
                 if fn.get('execution_count', 1) == 0]
        files.append({'file': f['file'], 'lines': (lc, lt), 'branches': (bc, bt),
                      'miss_lines': miss_lines, 'miss_branches': miss_br,
                      'miss_funcs': funcs, 'src': src})
    return files


def ranges(nums):
    out, start, prev = [], None, None
    for n in nums:
        if start is None:
            start = prev = n
        elif n == prev + 1:
            prev = n
        else:
            out.append(str(start) if start == prev else '%d-%d' % (start, prev))
            start = prev = n
    if start is not None:
        out.append(str(start) if start == prev else '%d-%d' % (start, prev))
    return ', '.join(out)


def uncovered_reasons():
    """audit/uncovered.txt: 'file | source text | why', one per line; a line
    or branch not covered is explained when its file matches and its source
    line contains the text."""
    out = []
    for line in open('audit/uncovered.txt', encoding='utf-8'):
        line = line.strip()
        if not line or line.startswith('#'):
            continue
        parts = [x.strip() for x in line.split(' | ', 2)]
        if len(parts) == 3:
            out.append(parts)
    return out


def reason_for(reasons, fil, code):
    for f, text, why in reasons:
        if fil.endswith(f) and text in code:
            return why
    return ''


def coverage_section(title, d, runtext, what, out):
    files = coverage_numbers(d)
    reasons = uncovered_reasons()
    lc = sum(f['lines'][0] for f in files)
    lt = sum(f['lines'][1] for f in files)
    bc = sum(f['branches'][0] for f in files)
    bt = sum(f['branches'][1] for f in files)
    summary = open(os.path.join(d, 'gcovr.txt')).read()
    lines = [title, '', what, '',
             'gcovr\'s summary ([gcovr.txt](%s), per-line report '
             '[html/index.html](%s)):' % (rel(os.path.join(d, 'gcovr.txt'), out),
                                          rel(os.path.join(d, 'html', 'index.html'), out)),
             '', '```']
    lines += [l for l in summary.splitlines() if re.match(r'^(lines|functions|branches):', l)]
    lines += ['```', '']
    rows = []
    for f in files:
        rows.append(['`%s`' % f['file'], '%d / %d' % f['lines'], pct(*f['lines']),
                     '%d / %d' % f['branches'], pct(*f['branches']),
                     ranges(f['miss_lines']) or '—'])
    rows.append(['**total**', '**%d / %d**' % (lc, lt), '**%s**' % pct(lc, lt),
                 '**%d / %d**' % (bc, bt), '**%s**' % pct(bc, bt), ''])
    lines.append(table(['file', 'lines', '%', 'branches', '%', 'lines not run'], rows,
                       ['l', 'r', 'r', 'r', 'r', 'l']))
    lines.append('')
    funcs = [(f['file'], fn) for f in files for fn in f['miss_funcs']]
    if funcs:
        lines += ['Functions never called: ' +
                  ', '.join('`%s` (%s)' % (fn, fil) for fil, fn in funcs) + '.', '']
    # uncovered lines and branches with their source text
    detail = []
    for f in files:
        br = {l: (t, n) for l, t, n in f['miss_branches']}
        for ln in sorted(set(f['miss_lines']) | set(br)):
            code = f['src'][ln - 1].strip() if ln - 1 < len(f['src']) else ''
            if len(code) > 90:
                code = code[:87] + '...'
            kind = []
            if ln in f['miss_lines']:
                kind.append('line not run')
            if ln in br:
                kind.append('branches %d of %d taken' % br[ln])
            # the line itself, or the condition just above a body line
            here = f['src'][ln - 1] if ln - 1 < len(f['src']) else ''
            above = f['src'][ln - 2] if 0 <= ln - 2 < len(f['src']) else ''
            why = reason_for(reasons, f['file'], here) or \
                (reason_for(reasons, f['file'], above) if here.strip() in
                 ('return false;', 'return NULL;', 'return PAGE_NO_BLOCK;', '}', 'return;') else '')
            detail.append(['`%s:%d`' % (f['file'], ln), '; '.join(kind),
                           '`%s`' % md_escape(code.replace('`', "'")) if code else '',
                           md_escape(why) if why else '**not explained**'])
    unexplained = sum(1 for r in detail if r[3] == '**not explained**')
    lines += ['Every line not run or with a branch not taken: %d, of which %d explained '
              '(the reasons are in [audit/uncovered.txt](../../audit/uncovered.txt), '
              'matched by file and source text).' % (len(detail), len(detail) - unexplained), '']
    lines.append(table(['where', 'what', 'source', 'why no run reaches it'], detail))
    lines += ['']
    return lines, {'lines': (lc, lt), 'branches': (bc, bt), 'files': files,
                   'unexplained': unexplained, 'gaps': len(detail)}


def fuzz_harnesses():
    """Every fuzz/fuzz_X.c that has a corpus fuzz/corpus/X/."""
    hs = []
    for f in sorted(glob.glob('fuzz/fuzz_*.c')):
        h = os.path.basename(f)[len('fuzz_'):-2]
        if os.path.isdir(os.path.join('fuzz', 'corpus', h)):
            hs.append(h)
    return hs


def section_coverage(a, out):
    res = {}
    lines = ['## Coverage', '',
             'Every file of `$(SRC)` compiled with `gcc -std=c99 -O0 -g --coverage` '
             '(no sanitizers, so the counts are the code\'s own), linked with the driver, '
             'run, then `gcovr -r . --filter src/ --exclude-unreachable-branches`. '
             'Branches are gcc\'s: every outcome of every condition, short-circuit '
             'operands included. Code under `#ifdef __FRAMAC__` is not compiled and '
             'not counted.', '']

    def one(key, title, heading, programs, defines, what):
        d, runs = coverage_build(a, out, key, programs, defines, title)
        if d is None:
            return ['### ' + heading, '', 'FAILED to build or run:', '', '```',
                    str(runs)[-2000:], '```', '']
        ran = []
        for prog, args, st, text in runs:
            n = re.findall(r'replayed (\d+) inputs', text)
            t = re.findall(r'^\[  PASSED  \] (\d+) test', text, re.M)
            did = ('%s inputs replayed' % n[-1]) if n else \
                  ('%s tests passed' % t[-1]) if t else 'ran'
            ran.append('`%s`: %s%s' % (' '.join([prog] + args), did,
                                       '' if st == 0 else ', exit status %d' % st))
        l, r = coverage_section('### ' + heading, d, runs,
                                what + ' Runs (from each program\'s own output): ' +
                                '; '.join(ran) + '.', out)
        res[key] = r
        return l
    lines += one('unit', 'the unit tests', 'By the unit tests',
                 [('test_slab', ['tests/test_slab.c'], [], ['-lcmocka']),
                  ('test_check', ['tests/test_check.c'], [], ['-lcmocka'])],
                 ['-DSLAB_INLINE=inline'],
                 'Drivers: `tests/test_slab.c` and `tests/test_check.c` (the cmocka suites of '
                 '`make check`). Built with `-DSLAB_INLINE=inline` so that each small function '
                 'is compiled once instead of being forced inline into each caller: every '
                 'source condition is then counted once, not once per inlined copy (with the '
                 'default forced inlining gcc counts each copy\'s branches separately).')
    lines += one('fuzz', 'the fuzz_ops corpus', 'By the fuzz corpus of fuzz_ops',
                 [('fuzz_ops', ['fuzz/fuzz_ops.c', 'fuzz/replay_main.c'], ['fuzz/corpus/ops'], [])],
                 ['-D_DEFAULT_SOURCE', '-DSLAB_INLINE=inline'],
                 'Driver: `fuzz/fuzz_ops.c` + `fuzz/replay_main.c` replaying `fuzz/corpus/ops/`.')
    hs = fuzz_harnesses()
    if len(hs) > 1:
        lines += one('fuzz-all', 'every fuzz corpus', 'By every fuzz corpus',
                     [('fuzz_' + h, ['fuzz/fuzz_%s.c' % h, 'fuzz/replay_main.c'],
                       ['fuzz/corpus/' + h], []) for h in hs],
                     ['-D_DEFAULT_SOURCE', '-DSLAB_INLINE=inline'],
                     'Every harness `fuzz/fuzz_X.c` that has a corpus `fuzz/corpus/X/` (%s), '
                     'each with `fuzz/replay_main.c`, replaying its corpus; the counts add up '
                     'over all of them.' % ', '.join('`%s`' % h for h in hs))
    return lines, res


# ---- MISRA ------------------------------------------------------------------------

def misra_categories():
    cats = {}
    for line in open('audit/misra-c2012-categories.txt'):
        m = re.match(r'Rule (\d+\.\d+) (\w+)', line)
        if m:
            cats[m.group(1)] = m.group(2)
    return cats


SUPPRESS_RE = re.compile(r'cppcheck-suppress\s+(misra-c2012-(\d+\.\d+))\s*(?:;|//)?\s*(.*?)\s*(?:\*/)?\s*$')


def inline_suppressions(files):
    """[(rule, file, line the suppression covers, comment line, justification)]"""
    found = []
    for f in files:
        text = open(f, encoding='utf-8').read().splitlines()
        for i, line in enumerate(text, 1):
            m = SUPPRESS_RE.search(line)
            if not m:
                continue
            alone = re.match(r'^\s*(/\*|//)\s*cppcheck-suppress', line) is not None
            found.append((m.group(2), f, i + 1 if alone else i, i, m.group(3)))
    return found


def cppcheck_findings(text):
    out = []
    for m in re.finditer(r'^(\S+?):(\d+):(\d+): (\w+): ([\w.-]+): (.*)$', text, re.M):
        out.append({'file': m.group(1), 'line': int(m.group(2)), 'sev': m.group(4),
                    'id': m.group(5), 'msg': m.group(6)})
    return out


def section_misra(a, out):
    d = os.path.join(out, 'misra')
    os.makedirs(d, exist_ok=True)
    src = a.src.split()
    base = ['cppcheck', '--addon=misra', '--std=c99', '--platform=unix64',
            '--enable=style,information', '-Isrc', '-U__FRAMAC__',
            '-USLAB_CONFIG_HEADER', '-U__cplusplus', '--suppress=missingIncludeSystem',
            '--template={file}:{line}:{column}: {severity}: {id}: {message}', '--quiet']
    st1, eff = run('MISRA', base + ['--inline-suppr'] + src,
                   log=os.path.join(d, 'cppcheck.txt'))
    st2, raw = run('MISRA', base + src, log=os.path.join(d, 'cppcheck-no-suppressions.txt'))
    cats = misra_categories()
    effective = cppcheck_findings(eff)
    rawf = cppcheck_findings(raw)
    hdrs = sorted(glob.glob('src/*.h'))
    sups = inline_suppressions(src + hdrs)

    def key(f):
        return (f['id'], f['file'], f['line'])
    eff_keys = {key(f) for f in effective}
    suppressed = [f for f in rawf if key(f) not in eff_keys and f['id'].startswith('misra')]
    other = [f for f in effective if not f['id'].startswith('misra')]
    unmatched = [f for f in other if f['id'] == 'unmatchedSuppression']
    other = [f for f in other if f['id'] != 'unmatchedSuppression']
    misra = [f for f in effective if f['id'].startswith('misra')]

    def rule(f):
        return f['id'][len('misra-c2012-'):]
    rules = sorted({rule(f) for f in misra + suppressed},
                   key=lambda r: ({'Mandatory': 0, 'Required': 1, 'Advisory': 2}.get(cats.get(r), 3),
                                  [int(x) for x in r.split('.')]))
    rows = []
    counts = {'Mandatory': [0, 0], 'Required': [0, 0], 'Advisory': [0, 0]}
    for r in rules:
        n_open = sum(1 for f in misra if rule(f) == r)
        n_dev = sum(1 for f in suppressed if rule(f) == r)
        c = cats.get(r, '?')
        if c in counts:
            counts[c][0] += n_open
            counts[c][1] += n_dev
        rows.append([r, c, n_open + n_dev, n_dev or '', n_open or ''])
    res = {'counts': counts, 'ok': st1 == 0 and st2 == 0}
    if st1 or st2:
        PROBLEMS.append('cppcheck exited with %d/%d' % (st1, st2))
    files_list = ', '.join('`%s`' % f for f in src)
    lines = ['## MISRA C:2012 (cppcheck)', '',
             'Command: `%s --inline-suppr $(SRC)` — the headers are checked '
             'through the files that include them. Output: [misra/cppcheck.txt]'
             '(misra/cppcheck.txt); the same run without the inline suppressions: '
             '[misra/cppcheck-no-suppressions.txt](misra/cppcheck-no-suppressions.txt).'
             % ' '.join(shlex.quote(x) for x in base), '',
             'Files: %s. Not checked: `src/slab_unity.c` (it only `#include`s the '
             'six files, and a second definition of every external would be reported '
             'under rules 5.x/8.x), `spec/` and the ACSL annotations (comments to C). '
             '`__FRAMAC__` and `SLAB_CONFIG_HEADER` are left undefined (the default '
             'configuration). cppcheck prints rule numbers only (the rule texts are '
             'licensed); the categories come from '
             '[audit/misra-c2012-categories.txt](../../audit/misra-c2012-categories.txt) '
             '(Appendix A of the guidelines). The addon checks the rules it can decide '
             'from the source; directives and undecidable rules are outside it.' % files_list,
             '',
             '**Mandatory: %d open. Required: %d open, %d deviations. Advisory: %d '
             '(advisory rules need no deviation record).**'
             % (counts['Mandatory'][0], counts['Required'][0], counts['Required'][1],
                counts['Advisory'][0] + counts['Advisory'][1]), '']
    lines.append(table(['rule', 'category', 'findings', 'deviations', 'open'], rows,
                       ['l', 'l', 'r', 'r', 'r']))
    lines.append('')
    # open mandatory/required findings
    open_req = [f for f in misra if cats.get(rule(f)) in ('Mandatory', 'Required')]
    srcs = {}

    def code_at(fil, ln):
        if fil not in srcs:
            srcs[fil] = open(fil, encoding='utf-8').read().splitlines() if os.path.exists(fil) else []
        t = srcs[fil][ln - 1].strip() if 0 < ln <= len(srcs[fil]) else ''
        if t == '}' and ln > 1:
            # a lone brace says nothing: show the line that opened its block
            depth, k = 1, ln - 2
            while k >= 0:
                depth += srcs[fil][k].count('}') - srcs[fil][k].count('{')
                if depth <= 0:
                    break
                k -= 1
            if k >= 0:
                t = srcs[fil][k].strip() + ' ... ' + t
        t = t if len(t) <= 90 else t[:87] + '...'
        return '`%s`' % md_escape(t.replace('`', "'")) if t else ''
    lines += ['### Open findings of mandatory and required rules (%d)' % len(open_req), '']
    if open_req:
        lines.append(table(['rule', 'where', 'source'],
                           [[rule(f), '`%s:%d`' % (f['file'], f['line']), code_at(f['file'], f['line'])]
                            for f in sorted(open_req, key=lambda f: ([int(x) for x in rule(f).split('.')], f['file'], f['line']))]))
    else:
        lines.append('None.')
    lines.append('')
    # deviations
    lines += ['### Deviations (%d findings)' % len(suppressed), '',
              'Each deviation is justified in place, in a `cppcheck-suppress` comment on '
              'the line it concerns (or the line before it); the table is read from those '
              'comments, and the findings counted are the ones the same cppcheck run '
              'reports when the comments are ignored.', '']
    rows = []
    for r, fil, ln, cl, why in sorted(sups, key=lambda s: ([int(x) for x in s[0].split('.')], s[1], s[2])):
        n = sum(1 for f in suppressed if rule(f) == r and f['file'] == fil and f['line'] == ln)
        rows.append([r, cats.get(r, '?'), '`%s:%d`' % (fil, ln), n, md_escape(why), code_at(fil, ln)])
    if rows:
        lines.append(table(['rule', 'category', 'where', 'findings', 'justification', 'source'],
                           rows, ['l', 'l', 'l', 'r', 'l', 'l']))
    else:
        lines.append('None.')
    lines.append('')
    if unmatched:
        lines += ['Suppressions that no longer match a finding (remove them): ' +
                  ', '.join('`%s:%d`' % (f['file'], f['line']) for f in unmatched), '']
    # advisory, compact
    adv = [f for f in misra if cats.get(rule(f)) == 'Advisory']
    by = {}
    for f in adv:
        by.setdefault(rule(f), []).append(f)
    lines += ['### Advisory findings (%d)' % len(adv), '']
    for r in sorted(by, key=lambda r: [int(x) for x in r.split('.')]):
        locs = {}
        for f in by[r]:
            locs.setdefault(f['file'], []).append(f['line'])
        lines.append('- **%s** (%d): ' % (r, len(by[r])) +
                     '; '.join('`%s` %s' % (fil, ', '.join(str(x) for x in sorted(set(ls))))
                               for fil, ls in sorted(locs.items())))
    lines.append('')
    lines += ['Other cppcheck findings (not MISRA): %d%s' % (
        len(other), '' if not other else ':'), '']
    for f in other:
        lines.append('- `%s:%d` %s: %s' % (f['file'], f['line'], f['id'], f['msg']))
    if other:
        lines.append('')
    res['open_required'] = len(open_req)
    res['deviations'] = len(suppressed)
    res['unmatched'] = len(unmatched)
    return lines, res


# ---- compiler matrix ------------------------------------------------------------

COMPILERS = [
    ('gcc', ['gcc'], '-O2'),
    ('clang', ['clang'], '-O2'),
    ('gcc -m32', ['gcc', '-m32'], '-O2'),
    ('clang -m32', ['clang', '-m32'], '-O2'),
    ('arm-none-eabi-gcc cortex-m0', ['arm-none-eabi-gcc', '-mcpu=cortex-m0', '-mthumb'], '-Os'),
    ('arm-none-eabi-gcc cortex-m4', ['arm-none-eabi-gcc', '-mcpu=cortex-m4', '-mthumb'], '-Os'),
    ('arm-none-eabi-gcc cortex-m7', ['arm-none-eabi-gcc', '-mcpu=cortex-m7', '-mthumb'], '-Os'),
    ('riscv64-unknown-elf-gcc rv32imac', ['riscv64-unknown-elf-gcc', '-march=rv32imac',
                                          '-mabi=ilp32', '-ffreestanding'], '-Os'),
]
CONFIGS = [
    ('default', [], 'src/slab_config.h as shipped: 4 KiB pages, 25 classes'),
    ('2 KiB pages, 9 classes', ['-Iaudit', '-DSLAB_CONFIG_HEADER="slab_audit_config.h"'],
     '`-DSLAB_CONFIG_HEADER=\'"slab_audit_config.h"\' -Iaudit` '
     '([audit/slab_audit_config.h](../../audit/slab_audit_config.h))'),
    ('32 KiB pages', ['-DSLAB_PAGE_SHIFT=15'], '`-DSLAB_PAGE_SHIFT=15`, the largest page'),
]


def section_matrix(a, out):
    d = os.path.join(out, 'matrix')
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    warn = a.warn.split()
    files = a.src.split() + (['src/slab_unity.c'] if os.path.exists('src/slab_unity.c') else [])
    jobs = []
    for ci, (cname, cc, opt) in enumerate(COMPILERS):
        for gi, (gname, gflags, _) in enumerate(CONFIGS):
            for f in files:
                jobs.append((ci, gi, f, cc + warn + [opt] + gflags + ['-Isrc', '-c', f, '-o', os.devnull]))
    results = {}

    def one(job):
        ci, gi, f, cmd = job
        st, text = run('matrix', cmd, quiet=True)
        return ci, gi, f, cmd, st, text
    t0 = time.time()
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as ex:
        for ci, gi, f, cmd, st, text in ex.map(one, jobs):
            results.setdefault((ci, gi), []).append((f, cmd, st, text))
    COMMANDS.append(('matrix', '%d compilations: <compiler> $(WARN) <-O2|-Os> <config> -Isrc -c <file>'
                     % len(jobs), time.time() - t0, 0))
    header = ['compiler', 'flags'] + [g[0] for g in CONFIGS]
    rows = []
    n_fail = 0
    for ci, (cname, cc, opt) in enumerate(COMPILERS):
        st, ver = run('matrix', [cc[0], '-dumpfullversion'], quiet=True)
        if st != 0 or not ver.strip():
            _, ver = run('matrix', [cc[0], '-dumpversion'], quiet=True)
        row = ['%s %s' % (cc[0], ver.strip()), '`%s`' % ' '.join(cc[1:] + [opt])]
        for gi, (gname, _, _) in enumerate(CONFIGS):
            res = results.get((ci, gi), [])
            logname = 'matrix/%s--%s.log' % (re.sub(r'\W+', '-', cname).strip('-'),
                                              re.sub(r'\W+', '-', gname).strip('-'))
            with open(os.path.join(out, logname), 'w') as fh:
                for f, cmd, st, text in res:
                    fh.write('$ %s\n%s[exit %d]\n\n' % (' '.join(shlex.quote(c) for c in cmd), text, st))
            fails = sum(1 for r in res if r[2] != 0)
            diags = sum(len(re.findall(r'^\S+:\d+:\d+: (?:warning|error):', r[3], re.M)) for r in res)
            if fails:
                n_fail += 1
            cell = '[%s, %d warning%s](%s)' % ('pass' if not fails else 'FAIL (%d of %d files)' % (fails, len(res)),
                                                diags, '' if diags == 1 else 's', logname)
            if fails:
                cell = '**%s**' % cell
            row.append(cell)
        rows.append(row)
    # the "checks off" configuration does not exist: show that the build refuses it
    st, text = run('matrix', ['gcc'] + warn + ['-O2', '-DSLAB_CHECKS=0', '-Isrc', '-c',
                                                'src/slab.c', '-o', os.devnull],
                   log=os.path.join(d, 'checks-off.log'))
    refused = st != 0 and 'checks_are_always_on' in text
    lines = ['## Compiler warnings across the configuration matrix', '',
             'Every file of `$(SRC)` and `src/slab_unity.c` compiled alone with the '
             'project\'s warning flags `%s` (warnings are errors), `-O2` on hosts and '
             '`-Os` on the embedded targets as `make cross` and `make size` do. A cell '
             'passes when every file compiles; the count is the diagnostics the compiler '
             'printed. Configurations:' % ' '.join(warn), '']
    for gname, _, desc in CONFIGS:
        lines.append('- **%s**: %s' % (gname, desc))
    lines.append('')
    lines.append(table(header, rows))
    lines += ['',
              '**%d of %d cells pass.**' % (len(rows) * len(CONFIGS) - n_fail, len(rows) * len(CONFIGS)),
              '',
              'Checks off: the library has no unchecked mode (`SLAB_CHECKS` must be 1). '
              '`gcc $(WARN) -DSLAB_CHECKS=0 -c src/slab.c` is %s '
              '([matrix/checks-off.log](matrix/checks-off.log)).'
              % ('refused by the static assertion `checks_are_always_on`, as it should be'
                 if refused else '**not refused — the assertion did not fire (exit %d)**' % st), '']
    return lines, {'cells': len(rows) * len(CONFIGS), 'fail': n_fail, 'checks_off_refused': refused}


# ---- code size ---------------------------------------------------------------------

def section_size(a, out):
    lines = ['## Code size', '']
    targets = ['cortex-m0', 'cortex-m4', 'cortex-m7', 'rv32imac']
    if not os.path.exists('bench/size.sh'):
        PROBLEMS.append('bench/size.sh missing')
        return lines + ['`bench/size.sh` is missing: no size table.', ''], {}
    st, text = run('size', a.make + ' -s size-objs', log=os.path.join(out, 'size-build.txt'))
    md = os.path.join(out, 'size.md')
    st2, text2 = run('size', ['bench/size.sh', 'build', md] + targets,
                     log=os.path.join(out, 'size.txt'))
    if st or st2 or not os.path.exists(md):
        PROBLEMS.append('size table failed')
        return lines + ['`make size-objs` / `bench/size.sh` failed: see [size-build.txt]'
                        '(size-build.txt), [size.txt](size.txt).', ''], {}
    body = open(md).read()
    summary = body.split('## Summary', 1)
    lines += ['Command: `make size-objs && bench/size.sh build %s %s` (what `make size` '
              'runs; every `src/*.c` compiled alone with `-Os` and `$(WARN)`, sizes from '
              '`<target>-size`). Full tables per object: [size.md](size.md).'
              % (md, ' '.join(targets)), '']
    if len(summary) == 2:
        lines += [l for l in summary[1].strip().splitlines()]
        lines.append('')
    m = re.findall(r'^\| (cortex-m4) \| (\d+) \| (\d+) \| (\S+) \|', body, re.M)
    return lines, {'m4': m[0] if m else None}


# ---- loop bounds and worst paths -------------------------------------------------------

class Poly:
    """Polynomial in npages with integer coefficients: {power: coefficient}."""

    def __init__(self, c=None):
        self.c = {k: v for k, v in (c or {}).items() if v}

    @staticmethod
    def of(x):
        return x if isinstance(x, Poly) else Poly({0: x})

    def __add__(self, o):
        o = Poly.of(o)
        r = dict(self.c)
        for k, v in o.c.items():
            r[k] = r.get(k, 0) + v
        return Poly(r)
    __radd__ = __add__

    def __mul__(self, o):
        o = Poly.of(o)
        r = {}
        for k1, v1 in self.c.items():
            for k2, v2 in o.c.items():
                r[k1 + k2] = r.get(k1 + k2, 0) + v1 * v2
        return Poly(r)
    __rmul__ = __mul__

    def __floordiv__(self, o):
        assert not isinstance(o, Poly)
        return Poly({k: v // o for k, v in self.c.items()})

    def __sub__(self, o):
        return self + Poly.of(o) * -1

    def at(self, n):
        return sum(v * n ** k for k, v in self.c.items())

    def __str__(self):
        if not self.c:
            return '0'
        parts = []
        for k in sorted(self.c, reverse=True):
            v = self.c[k]
            var = '' if k == 0 else ('npages' if k == 1 else 'npages²')
            if k == 0:
                parts.append(str(v))
            else:
                parts.append(var if v == 1 else '%d·%s' % (v, var))
        return ' + '.join(parts)


def read_table(path, ncols):
    rows = []
    for line in open(path, encoding='utf-8'):
        if not line.strip() or line.lstrip().startswith('#'):
            continue
        cols = [c.strip() for c in line.rstrip('\n').split('|')]
        if len(cols) != ncols:
            PROBLEMS.append('%s: expected %d columns: %s' % (path, ncols, line.strip()))
            continue
        rows.append(cols)
    return rows


def config_values(out):
    """Compile audit/wcet_values.c against the library and run it."""
    d = os.path.join(out, 'bounds')
    os.makedirs(d, exist_ok=True)
    exe = os.path.join(d, 'wcet_values')
    st, text = run('bounds', ['gcc', '-std=c99', '-O1', '-Isrc', 'audit/wcet_values.c',
                              'src/slab_unity.c', '-o', exe], log=os.path.join(d, 'build.txt'))
    if st != 0:
        PROBLEMS.append('audit/wcet_values.c did not build')
        return None
    st, text = run('bounds', [exe], log=os.path.join(d, 'values.txt'))
    vals = {}
    for m in re.finditer(r'^(\w+)=(\d+)$', text, re.M):
        vals[m.group(1)] = int(m.group(2))
    return vals


def key_matches(key, header, line, fn_loops):
    """Does a loop-bounds key ("text" or "text#n") name this loop?"""
    m = re.match(r'^(.*)#(\d+)$', key)
    text, nth = (m.group(1), int(m.group(2))) if m else (key, None)
    if text not in header:
        return False
    if nth is None:
        return True
    same = [l for l in fn_loops if text in l[2]]
    return len(same) >= nth and same[nth - 1][0] == line


def section_bounds(a, out):
    lines = ['## Worst-case execution: loop bounds and measured paths', '']
    vals = config_values(out)
    if vals is None:
        return lines + ['The configuration values could not be computed (see '
                        '[bounds/build.txt](bounds/build.txt)).', ''], {'ok': False}
    # 1. every function and loop of src/
    files = [f for f in sorted(glob.glob('src/*.c')) + sorted(glob.glob('src/*.h'))
             if not f.endswith('slab_unity.c')]
    fns = {}
    for f in files:
        for fn in csource.functions(f):
            fns.setdefault(fn[0], (f, fn))
    known = set(fns)
    info = {}
    for name, (f, fn) in fns.items():
        loops, calls = csource.loops_and_calls(fn, known)
        indirect = sorted(set(re.findall(r'->\s*(\w+)\s*\(', fn[4][fn[2]:fn[3]])))
        info[name] = {'file': f, 'line': fn[1], 'loops': loops, 'calls': calls,
                      'indirect': indirect}
    # 2. bounds of the loops (audit/loop-bounds.txt)
    bounds = read_table('audit/loop-bounds.txt', 6)
    ns = dict(vals)
    ns['npages'] = Poly({1: 1})
    loop_ids = {}
    unanalysed = []
    used = set()
    inventory = []
    for name in sorted(info, key=lambda n: (info[n]['file'], info[n]['line'])):
        fn_loops = info[name]['loops']
        for (ln, kind, header, b0, b1) in fn_loops:
            match = [b for b in bounds if b[1] == name and key_matches(b[2], header, ln, fn_loops)]
            if len(match) != 1:
                unanalysed.append((name, info[name]['file'], ln, header, len(match)))
                inventory.append([info[name]['file'] + ':%d' % ln, '`%s`' % name,
                                  '`%s`' % md_escape(header), '**NOT ANALYSED**', '', ''])
                continue
            lid, _, _, expr, total, why = match[0]
            used.add(lid)
            try:
                val = eval(expr, {'__builtins__': {}}, ns)
            except Exception as e:  # noqa: BLE001
                PROBLEMS.append('bound of %s: %s' % (lid, e))
                val = Poly({})
            val = Poly.of(val)
            loop_ids[lid] = {'fn': name, 'line': ln, 'b0': b0, 'b1': b1, 'bound': val,
                             'expr': expr, 'total': total == 'total'}
            inventory.append(['`%s:%d`' % (info[name]['file'], ln), '`%s`' % name,
                              '`%s`' % md_escape(header), '`%s`' % lid,
                              '`%s`%s' % (expr, ' (in all, over the enclosing loop)'
                                          if total == 'total' else ''),
                              md_escape(why)])
    stale = [b[0] for b in bounds if b[0] not in used]

    # 3. all-paths bound of every function: loops times what runs inside them
    memo = {}

    def cost(name, stack=()):
        if name in memo:
            return memo[name]
        if name in stack:
            PROBLEMS.append('recursion through %s: no bound' % name)
            return Poly({})
        inf = info[name]
        lids = [l for l, v in loop_ids.items() if v['fn'] == name]

        def inside(off, lid):
            v = loop_ids[lid]
            return v['b0'] <= off < v['b1']

        def parent(lid):
            # the innermost other loop of this function containing lid
            v = loop_ids[lid]
            cands = [o for o in lids if o != lid and loop_ids[o]['b0'] <= v['b0'] < loop_ids[o]['b1']]
            return min(cands, key=lambda o: loop_ids[o]['b1'] - loop_ids[o]['b0']) if cands else None

        def body(lid):
            # cost of one iteration of loop lid (None: the function's top level)
            c = Poly({})
            for off, callee in inf['calls']:
                innermost = [l for l in lids if inside(off, l)]
                inner = min(innermost, key=lambda o: loop_ids[o]['b1'] - loop_ids[o]['b0']) if innermost else None
                if inner == lid:
                    c = c + cost(callee, stack + (name,))
            for l in lids:
                if parent(l) == lid:
                    if loop_ids[l]['total'] and lid is not None:
                        continue  # counted once, at the function's level
                    c = c + loop_ids[l]['bound'] * (1 + body(l))
            return c
        c = body(None)
        # a nested loop whose bound is its total over the enclosing loop
        for l in lids:
            if loop_ids[l]['total'] and parent(l) is not None:
                c = c + loop_ids[l]['bound'] * (1 + body(l))
        memo[name] = c
        return c

    public = re.findall(r'^[a-z][^(\n]*[ *](slab_[a-z_]+)\(', open('src/slab.h').read(), re.M)
    reach = {}

    def reachable(name, seen):
        if name in seen:
            return
        seen.add(name)
        for _, callee in info.get(name, {}).get('calls', []):
            reachable(callee, seen)
    for p in public:
        s = set()
        reachable(p, s)
        reach[p] = s

    n1 = vals.get('NPAGES_1MIB', 0)
    n64 = vals.get('NPAGES_64KIB', 0)
    lines += [
        'Every loop in `src/` is listed below, found by reading the sources '
        '(`audit/csource.py`: function definitions, `for`/`while`/`do` loops and the '
        'calls in them). Its bound is the analysis in '
        '[audit/loop-bounds.txt](../../audit/loop-bounds.txt): a loop the file does '
        'not cover is marked **NOT ANALYSED** and fails the audit. Bounds count loop '
        'iterations; `npages` is the heap\'s page count. The numbers are for the default '
        'configuration, computed by [audit/wcet_values.c](../../audit/wcet_values.c) '
        'from the library\'s own macros and `slab_init` ([bounds/values.txt]'
        '(bounds/values.txt)):', '',
        table(['value', 'default configuration'],
              [['`%s`' % k, v] for k, v in vals.items()], ['l', 'r']), '']
    # per public function, all paths
    rows = []
    for p in public:
        if p not in info:
            continue
        c = cost(p)
        loops_here = sorted(l for l, v in loop_ids.items() if v['fn'] in reach[p])
        ind = sorted({i for f in reach[p] for i in info[f]['indirect']})
        rows.append(['`%s`' % p, ', '.join('`%s`' % l for l in loops_here) or '—', str(c),
                     c.at(n64), c.at(n1), ', '.join('`->%s`' % i for i in ind) or ''])
    lines += ['### Bound per public function, over all its paths', '',
              'The loops each public function can reach through its calls, and the sum over '
              'all of them of iterations × (1 + the loops run inside each iteration): an '
              'upper bound for any path, computed from the call graph and the loop bounds '
              '(so a path the code never combines with another is still counted). Calls '
              'through pointers are the user\'s fault hook and lock functions: not counted.',
              '',
              table(['function', 'loops reachable', 'iterations, all paths', '64 KiB arena (%d pages)' % n64,
                     '1 MiB arena (%d pages)' % n1, 'calls through pointers'], rows,
                    ['l', 'l', 'l', 'r', 'r', 'l']), '']
    # per path (audit/wcet-paths.txt) with the measured worst case
    paths = read_table('audit/wcet-paths.txt', 4)
    measured, meta = parse_results()
    prow = []
    bad_refs = []
    for fn, path, expr, ids in paths:
        pns = {l: v['bound'] for l, v in loop_ids.items()}
        pns.update(ns)
        try:
            val = Poly.of(eval(expr, {'__builtins__': {}}, pns))
        except Exception as e:  # noqa: BLE001
            bad_refs.append('%s / %s: %s' % (fn, path, e))
            val = None
        sym = re.sub(r'\b([a-z_0-9]+)\b', lambda m: '`%s`' % m.group(1) if m.group(1) in loop_ids else m.group(1), expr)
        for l in re.findall(r'\b[a-z_0-9]+\b', expr):
            if l in loop_ids and loop_ids[l]['fn'] not in reach.get(fn, set()):
                bad_refs.append('%s: loop %s (in %s) is not reachable from it' % (fn, l, loop_ids[l]['fn']))
        meas = []
        for pid in [x.strip() for x in ids.split(',') if x.strip() and x.strip() != '-']:
            r = measured.get(pid)
            if r:
                meas.append('`%s` %s (%s)' % (pid, r['worst'], r['worst_at']))
            else:
                meas.append('`%s` not in RESULTS.md' % pid)
        prow.append(['`%s`' % fn, path, sym if expr != '0' else '0 (no loop)',
                     str(val) if val is not None else '?',
                     val.at(n1) if val is not None else '?', '; '.join(meas) or '—'])
    lines += ['### Bound per path, and the measured worst case', '',
              'The paths through the allocation and free functions, from the code '
              '([audit/wcet-paths.txt](../../audit/wcet-paths.txt): the loops each path '
              'runs, as loop names from the inventory below). The class paths run no loop '
              'whose length depends on the heap; large blocks and the repair of a '
              'corrupted list do. The last column is the worst single-call instruction count '
              'measured for the path by `make bench` (callgrind, inclusive cost of one call; '
              'copied from the constant-time table of `bench/RESULTS.md`%s).'
              % ('; ' + meta if meta else ', which is missing'), '',
              table(['function', 'path', 'loops run', 'iterations', '1 MiB arena (%d pages)' % n1,
                     'measured worst (instructions, where)'], prow,
                    ['l', 'l', 'l', 'l', 'r', 'l']), '']
    if bad_refs:
        lines += ['Problems in audit/wcet-paths.txt: ' + '; '.join(bad_refs), '']
        PROBLEMS.extend(bad_refs)
    lines += ['### Loop inventory (%d loops in %d functions)'
              % (sum(len(v['loops']) for v in info.values()),
                 sum(1 for v in info.values() if v['loops'])), '',
              table(['where', 'function', 'loop', 'name', 'bound (iterations)', 'why'], inventory), '']
    if unanalysed:
        lines += ['**Loops without a bound in audit/loop-bounds.txt: %d.**' % len(unanalysed), '']
        PROBLEMS.append('%d loop(s) not analysed' % len(unanalysed))
    if stale:
        lines += ['Entries of audit/loop-bounds.txt that match no loop (stale): %s.'
                  % ', '.join('`%s`' % s for s in stale), '']
        PROBLEMS.append('stale loop bounds: ' + ', '.join(stale))
    return lines, {'ok': not unanalysed and not stale and not bad_refs,
                   'loops': len(loop_ids), 'unanalysed': len(unanalysed)}


def parse_results():
    path = 'bench/RESULTS.md'
    if not os.path.exists(path):
        return {}, ''
    text = open(path, encoding='utf-8').read()
    sec = text.split('## Constant time shown', 1)
    rows = {}
    if len(sec) == 2:
        body = sec[1].split('\n## ', 1)[0]
        for line in body.splitlines():
            cols = [c.strip() for c in line.strip().strip('|').split('|')]
            if len(cols) >= 8 and cols[0].startswith('`'):
                rows[cols[0].strip('`')] = {'what': cols[1], 'samples': cols[2], 'best': cols[3],
                                            'worst': cols[5], 'worst_at': cols[6]}
    date = re.search(r'^- date: ([^;\n]+)', text, re.M)
    slab = re.search(r'^- slab: (.*)$', text, re.M)
    comp = re.search(r'^- compiler: ([^;\n]*?)(?:;|$)', text, re.M)
    meta = 'generated %s, %s, %s' % (date.group(1) if date else '?',
                                     slab.group(1) if slab else '?',
                                     comp.group(1) if comp else '?')
    return rows, meta


# ---- Markdown to HTML ----------------------------------------------------------------

def slug(text):
    t = re.sub(r'<[^>]+>', '', text).lower()
    t = re.sub(r'[^\w\- ]', '', t)
    return t.strip().replace(' ', '-')


def inline(s):
    parts = re.split(r'(`[^`]*`)', s)
    out = []
    for p in parts:
        if p.startswith('`') and p.endswith('`') and len(p) >= 2:
            out.append('<code>%s</code>' % html.escape(p[1:-1].replace('\\|', '|')))
            continue
        if re.fullmatch(r'\s*</?(details|summary)[^>]*>.*', p) or re.fullmatch(r'.*</?(details|summary)>\s*', p):
            out.append(p)
            continue
        t = html.escape(p, quote=False).replace('\\|', '|')
        t = re.sub(r'\[([^\]]+)\]\(([^)\s]+)\)',
                   lambda m: '<a href="%s">%s</a>' % (
                       re.sub(r'\.md(#|$)', r'.md\1', m.group(2)), m.group(1)), t)
        t = re.sub(r'\*\*([^*]+)\*\*', r'<strong>\1</strong>', t)
        t = re.sub(r'(?<![\w*])\*([^*\s][^*]*)\*(?![\w*])', r'<em>\1</em>', t)
        out.append(t)
    return ''.join(out)


def md_to_html(md, title):
    lines = md.split('\n')
    out = []
    i = 0
    para = []

    def flush():
        if para:
            out.append('<p>%s</p>' % inline(' '.join(para)))
            para.clear()
    while i < len(lines):
        line = lines[i]
        if line.startswith('```'):
            flush()
            j = i + 1
            code = []
            while j < len(lines) and not lines[j].startswith('```'):
                code.append(lines[j])
                j += 1
            out.append('<pre><code>%s</code></pre>' % html.escape('\n'.join(code)))
            i = j + 1
            continue
        m = re.match(r'^(#{1,6}) (.*)$', line)
        if m:
            flush()
            n = len(m.group(1))
            out.append('<h%d id="%s">%s</h%d>' % (n, slug(m.group(2)), inline(m.group(2)), n))
            i += 1
            continue
        if line.startswith('|') and i + 1 < len(lines) and re.match(r'^\|[\s:|-]+\|$', lines[i + 1]):
            flush()

            def cells(l):
                l = l.strip()[1:-1]
                return [c.strip() for c in re.split(r'(?<!\\)\|', l)]
            head = cells(line)
            aligns = ['right' if c.endswith(':') else 'left' for c in cells(lines[i + 1])]
            out.append('<table><thead><tr>%s</tr></thead><tbody>' % ''.join(
                '<th style="text-align:%s">%s</th>' % (a, inline(c)) for c, a in zip(head, aligns)))
            j = i + 2
            while j < len(lines) and lines[j].startswith('|'):
                out.append('<tr>%s</tr>' % ''.join(
                    '<td style="text-align:%s">%s</td>' % (a, inline(c))
                    for c, a in zip(cells(lines[j]), aligns)))
                j += 1
            out.append('</tbody></table>')
            i = j
            continue
        if re.match(r'^\s*([-*]|\d+\.) ', line):
            flush()
            ordered = re.match(r'^\s*\d+\. ', line) is not None
            tag = 'ol' if ordered else 'ul'
            out.append('<%s>' % tag)
            j = i
            while j < len(lines) and (re.match(r'^\s*([-*]|\d+\.) ', lines[j]) or
                                      (lines[j].startswith('  ') and lines[j].strip())):
                item = re.sub(r'^\s*([-*]|\d+\.) ', '', lines[j])
                k = j + 1
                while k < len(lines) and lines[k].startswith('  ') and lines[k].strip() and \
                        not re.match(r'^\s*([-*]|\d+\.) ', lines[k]):
                    item += ' ' + lines[k].strip()
                    k += 1
                out.append('<li>%s</li>' % inline(item))
                j = k
            out.append('</%s>' % tag)
            i = j
            continue
        if line.strip().startswith('<details') or line.strip().startswith('</details'):
            flush()
            out.append(inline(line.strip()))
            i += 1
            continue
        if not line.strip():
            flush()
            i += 1
            continue
        para.append(line.strip())
        i += 1
    flush()
    style = """
body { font-family: system-ui, sans-serif; max-width: 74rem; margin: 2rem auto; padding: 0 1rem;
       line-height: 1.45; color: #1b1b1b; }
code, pre { font-family: ui-monospace, monospace; font-size: 0.9em; }
pre { background: #f4f4f4; padding: 0.6rem; overflow-x: auto; }
table { border-collapse: collapse; margin: 0.6rem 0; font-size: 0.92em; }
th, td { border: 1px solid #ccc; padding: 0.25rem 0.5rem; vertical-align: top; }
th { background: #eee; }
h2 { border-bottom: 1px solid #ccc; margin-top: 2rem; }
summary { cursor: pointer; color: #0645ad; }
"""
    return ('<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            '<title>%s</title><style>%s</style></head><body>\n%s\n</body></html>\n'
            % (html.escape(title), style, '\n'.join(out)))


# ---- main ---------------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--out', default='build/audit')
    ap.add_argument('--make', default='make')
    ap.add_argument('--src', required=True)
    ap.add_argument('--warn', required=True)
    ap.add_argument('--proved', required=True)
    a = ap.parse_args()
    out = a.out
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    t0 = time.time()
    started = datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M UTC')
    head, dirty = git_state()
    versions = tool_versions()

    # The proof replay is the long step (about a minute and a half on two
    # cores): run it beside the rest.
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as ex:
        proofs = ex.submit(section_proofs, a, out, versions)
        steps = {}
        for name, fn in (('unit', section_unit), ('coverage', section_coverage),
                         ('misra', section_misra), ('matrix', section_matrix),
                         ('size', section_size), ('bounds', section_bounds)):
            t = time.time()
            try:
                steps[name] = fn(a, out)
            except Exception as e:  # noqa: BLE001 - the pack says what broke
                import traceback
                PROBLEMS.append('%s step crashed: %s' % (name, e))
                steps[name] = (['## %s' % name, '', 'The step crashed:', '', '```',
                                traceback.format_exc(), '```', ''], {})
            print('audit: %-9s %5.1f s' % (name, time.time() - t), flush=True)
        try:
            steps['proofs'] = proofs.result()
        except Exception as e:  # noqa: BLE001
            PROBLEMS.append('proofs step crashed: %s' % e)
            steps['proofs'] = (['## Proofs', '', 'The step crashed: %s' % e, ''], {})
    elapsed = time.time() - t0
    version = re.search(r'SLAB_VERSION_STRING "([^"]+)"', open('src/slab.h').read())
    version = version.group(1) if version else '?'

    # ---- summary ----
    pr = steps['proofs'][1]
    un = steps['unit'][1]
    cov = steps['coverage'][1]
    mi = steps['misra'][1]
    mx = steps['matrix'][1]
    sz = steps['size'][1]
    bd = steps['bounds'][1]

    def covtext(k):
        r = cov.get(k)
        if not r:
            return 'FAILED' if k != 'fuzz-all' else 'only one harness'
        return 'lines %s (%d / %d), branches %s (%d / %d); %d gaps, %d not explained' % (
            pct(*r['lines']), r['lines'][0], r['lines'][1],
            pct(*r['branches']), r['branches'][0], r['branches'][1],
            r.get('gaps', 0), r.get('unexplained', 0))
    c = mi.get('counts', {})
    summary_rows = [
        ['[Proofs](#proofs) (`make prove`, replay)', pr.get('text', 'FAILED'),
         'pass' if pr.get('ok') else '**FAIL**'],
        ['[Unit tests](#unit-tests)', un.get('text', 'FAILED'), 'pass' if un.get('ok') else '**FAIL**'],
        ['[Coverage](#coverage) by the unit tests', covtext('unit'),
         'pass' if cov.get('unit') and cov['unit']['lines'][0] == cov['unit']['lines'][1]
         and 100 * cov['unit']['branches'][0] >= 95 * cov['unit']['branches'][1]
         and cov['unit'].get('unexplained', 1) == 0
         else '**below target** (100% lines, 95% branches, every gap explained)'],
        ['[Coverage](#coverage) by the fuzz_ops corpus', covtext('fuzz'), 'report'],
        ['[Coverage](#coverage) by every fuzz corpus', covtext('fuzz-all'), 'report'],
        ['[MISRA C:2012](#misra-c2012-cppcheck)',
         'mandatory %d open; required %d open, %d deviations; advisory %d' % (
             c.get('Mandatory', [0, 0])[0], c.get('Required', [0, 0])[0],
             c.get('Required', [0, 0])[1], sum(c.get('Advisory', [0, 0]))) if c else 'FAILED',
         'pass' if c and c['Mandatory'][0] == 0 and c['Required'][0] == 0 and not mi.get('unmatched')
         else '**open findings**'],
        ['[Compiler matrix](#compiler-warnings-across-the-configuration-matrix)',
         '%d of %d cells warning-free%s' % (mx.get('cells', 0) - mx.get('fail', 0), mx.get('cells', 0),
                                           '; checks-off build refused' if mx.get('checks_off_refused') else ''),
         'pass' if mx and not mx.get('fail') and mx.get('checks_off_refused') else '**FAIL**'],
        ['[Code size](#code-size)', ('cortex-m4 `.text`: slab core %s B, total %s B, one unit %s B' % sz['m4'][1:])
         if sz.get('m4') else 'see section', 'report'],
        ['[Loop bounds](#worst-case-execution-loop-bounds-and-measured-paths)',
         '%d loops bounded, %d not analysed' % (bd.get('loops', 0), bd.get('unanalysed', 0)),
         'pass' if bd.get('ok') else '**FAIL**'],
    ]
    md = ['# slab %s — audit pack' % version, '',
          'Generated by `make audit` (`audit/audit.py`) on %s in %.0f s, from commit `%s`%s. '
          'Do not edit: every figure below is parsed from the output of the command shown '
          'with it, and the outputs themselves are in this directory.'
          % (started, elapsed, head,
             (' with uncommitted changes: ' + ', '.join('`%s`' % f for f in dirty[:-1]) +
              (', ' if len(dirty) > 1 else '') + dirty[-1].join('``' if not dirty[-1][0].isdigit() else ['', '']))
             if dirty else ' (no uncommitted changes in src/, spec/, tests/, fuzz/, proofs/)'), '',
          '## Summary', '',
          table(['item', 'result', 'verdict'], summary_rows), '']
    if PROBLEMS:
        md += ['**Problems while building the pack:**', '']
        md += ['- %s' % p for p in PROBLEMS]
        md.append('')
    md += ['Contents: [Proofs](#proofs) · [Unit tests](#unit-tests) · [Coverage](#coverage) · '
           '[MISRA](#misra-c2012-cppcheck) · '
           '[Compiler matrix](#compiler-warnings-across-the-configuration-matrix) · '
           '[Code size](#code-size) · '
           '[Loop bounds](#worst-case-execution-loop-bounds-and-measured-paths) · '
           '[Tool versions](#tool-versions) · [Commands run](#commands-run) · '
           'copied from `spec/`: [TRUSTED.md](TRUSTED.md), [REQUIREMENTS.md](REQUIREMENTS.md)', '']
    for name in ('proofs', 'unit', 'coverage', 'misra', 'matrix', 'size', 'bounds'):
        md += steps[name][0]
    md += ['## Tool versions', '',
           table(['tool', 'command', 'version'],
                 [[t, '`%s`' % v[0], md_escape(v[1])] for t, v in versions.items()]), '']
    md += ['## Commands run', '', 'In order, with wall time and exit status '
           '(the proof replay ran beside the other steps; a command\'s full line and '
           'output are in the log its section links to).', '',
           '<details><summary>%d commands</summary>' % len(COMMANDS), '',
           table(['step', 'command', 's', 'exit'],
                 [[s, '`%s`' % md_escape(c if len(c) < 160 else c[:157] + '...'), '%.1f' % dt, st]
                  for s, c, dt, st in COMMANDS], ['l', 'l', 'r', 'r']), '', '</details>', '']
    text = '\n'.join(md)
    with open(os.path.join(out, 'index.md'), 'w') as f:
        f.write(text)
    with open(os.path.join(out, 'index.html'), 'w') as f:
        f.write(md_to_html(text, 'slab %s audit pack' % version))
    print('audit: wrote %s/index.md and index.html in %.0f s' % (out, elapsed))
    for r in summary_rows:
        print('  %-28s %s  [%s]' % (re.sub(r'\[([^\]]+)\]\([^)]*\)', r'\1', r[0]).replace('`', ''),
                                    r[1].replace('`', ''), r[2].replace('*', '')))
    for p in PROBLEMS:
        print('  problem: ' + p)
    hard_fail = (not pr.get('ok') or not un.get('ok') or not mx or mx.get('fail')
                 or not bd.get('ok') or PROBLEMS)
    return 1 if hard_fail else 0


if __name__ == '__main__':
    sys.exit(main())
