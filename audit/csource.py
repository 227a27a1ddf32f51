"""audit/csource.py - just enough C reading for the audit: function
definitions, the loops in them, and the calls between them.

Not a C parser: it strips comments (ACSL contracts included), string and
character literals and preprocessor lines, then matches braces. That is
enough for the library's own sources, which use one function definition
per brace block at file scope; anything it cannot place is reported by
the caller as "not analysed" rather than guessed.
"""
import re

IDENT = re.compile(r'[A-Za-z_]\w*')
KEYWORDS = {'if', 'for', 'while', 'switch', 'return', 'sizeof', 'do', 'else',
            'case', 'default', 'break', 'continue', 'goto', 'typedef',
            'struct', 'union', 'enum', '_Alignof', '_Static_assert'}


def strip(text):
    """Comments, literals and preprocessor lines become spaces (newlines
    are kept, so offsets map to the same line numbers)."""
    out = []
    i, n = 0, len(text)
    at_line_start = True
    while i < n:
        c = text[i]
        if at_line_start and c in ' \t':
            out.append(c)
            i += 1
            continue
        if at_line_start and c == '#':
            # preprocessor line, with backslash continuations
            while i < n:
                if text[i] == '\\' and i + 1 < n and text[i + 1] == '\n':
                    out.append(' \n')
                    i += 2
                    continue
                if text[i] == '\n':
                    break
                out.append(' ')
                i += 1
            continue
        at_line_start = False
        if c == '/' and text.startswith('/*', i):
            j = text.find('*/', i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r'[^\n]', ' ', text[i:j]))
            i = j
            continue
        if c == '/' and text.startswith('//', i):
            j = text.find('\n', i)
            j = n if j < 0 else j
            out.append(' ' * (j - i))
            i = j
            continue
        if c in '"\'':
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == '\\' else 1
            j = min(j + 1, n)
            out.append(c + re.sub(r'[^\n]', ' ', text[i + 1:j - 1]) + c)
            i = j
            continue
        if c == '\n':
            at_line_start = True
        out.append(c)
        i += 1
    return ''.join(out)


def match(text, i, open_c, close_c):
    """Index just past the bracket that closes the one at text[i]."""
    depth = 0
    n = len(text)
    while i < n:
        if text[i] == open_c:
            depth += 1
        elif text[i] == close_c:
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return n


def line_of(text, i):
    return text.count('\n', 0, i) + 1


def functions(path):
    """[(name, start_line, body_start, body_end, stripped_text)] for every
    function defined at file scope in path."""
    raw = open(path, encoding='utf-8').read()
    s = strip(raw)
    found = []
    i, n = 0, len(s)
    while i < n:
        c = s[i]
        if c == '{':
            end = match(s, i, '{', '}')
            k = i - 1
            while k >= 0 and s[k].isspace():
                k -= 1
            if k >= 0 and s[k] == ')':
                # find the '(' that opens the parameter list, then the name
                depth = 0
                j = k
                while j >= 0:
                    if s[j] == ')':
                        depth += 1
                    elif s[j] == '(':
                        depth -= 1
                        if depth == 0:
                            break
                    j -= 1
                m = re.search(r'([A-Za-z_]\w*)\s*$', s[:j])
                if m and m.group(1) not in KEYWORDS:
                    found.append((m.group(1), line_of(s, m.start(1)), i, end, s))
            i = end
            continue
        i += 1
    return found


def loops_and_calls(fn, known):
    """Loops of one function: [(line, kind, header, body_start, body_end)],
    and calls: [(offset, callee)] for callee in `known`."""
    name, _, b0, b1, s = fn
    body = s[b0:b1]
    loops = []
    for m in re.finditer(r'\b(for|while|do)\b', body):
        kw = m.group(1)
        at = b0 + m.start()
        if kw == 'do':
            k = b0 + m.end()
            while s[k].isspace():
                k += 1
            bend = match(s, k, '{', '}') if s[k] == '{' else s.find(';', k) + 1
            # the header is the controlling while (...) after the body
            w = re.match(r'\s*while\s*', s[bend:])
            hdr_end = match(s, bend + w.end(), '(', ')') if w else bend
            header = 'do ... ' + ' '.join(s[bend:hdr_end].split())
            loops.append((line_of(s, at), 'do', header, k, bend))
            continue
        k = b0 + m.end()
        while s[k].isspace():
            k += 1
        if s[k] != '(':
            continue
        hend = match(s, k, '(', ')')
        j = hend
        while j < len(s) and s[j].isspace():
            j += 1
        if kw == 'while' and s[j] == ';':
            continue  # the tail of a do ... while, counted at its do
        if s[j] == '{':
            bend = match(s, j, '{', '}')
        else:
            bend = s.find(';', j) + 1
        header = ' '.join(s[at:hend].split())
        loops.append((line_of(s, at), kw, header, j, bend))
    calls = []
    for m in re.finditer(r'\b([A-Za-z_]\w*)\s*\(', body):
        if m.group(1) in known and m.group(1) != name:
            calls.append((b0 + m.start(), m.group(1)))
        elif m.group(1) == name:
            calls.append((b0 + m.start(), name))  # recursion: reported
    return loops, calls
