#!/usr/bin/env bash
# Lists functions longer than LIMIT lines (default 120) in the generator's and the widget's
# sources, outside `#[cfg(test)]` modules and tests/ directories: `tools/long-functions.sh [LIMIT]`.
# Exits 1 when it lists any. Counts braces from a `fn` line to its closing brace; good enough
# for rustfmt-formatted code (braces in strings and chars are skipped, comments too).
set -eu
cd "$(dirname "$0")/.."
limit=${1:-120}
script=$(cat <<'PY'
import re, sys
limit = int(sys.argv[1])
found = 0
fn_re = re.compile(r'^\s*(pub(\([^)]*\))?\s+)?(const\s+)?(async\s+)?(unsafe\s+)?(extern\s+"[^"]*"\s+)?fn\s+(\w+)')
def code(line):
    # Drops string and char literals and line comments, so braces in them are not counted.
    line = re.sub(r'"(\\.|[^"\\])*"', '""', line)
    line = re.sub(r"'(\\.|[^'\\])'", "''", line)
    return line.split('//', 1)[0]
for path in sys.argv[2:]:
    lines = open(path, encoding='utf-8').read().split('\n')
    i = 0
    while i < len(lines):
        if re.match(r'^\s*#\[cfg\((all\()?test\b', lines[i]):
            break  # test modules close the file in this code base
        m = fn_re.match(lines[i])
        if not m:
            i += 1
            continue
        depth, started, j = 0, False, i
        while j < len(lines):
            c = code(lines[j])
            if not started and ';' in c and '{' not in c:
                break  # a declaration without a body
            depth += c.count('{') - c.count('}')
            started = started or '{' in c
            if started and depth <= 0:
                break
            j += 1
        length = j - i + 1
        if started and length > limit:
            print(f"{path}:{i + 1}: fn {m.group(7)} is {length} lines")
            found += 1
        i = j + 1 if started else i + 1
sys.exit(1 if found else 0)
PY
)
find generator widget -name '*.rs' -not -path '*/target/*' -not -path '*/tests/*' -print0 |
  sort -z |
  xargs -0 python3 -c "$script" "$limit" || exit 1
