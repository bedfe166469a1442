#!/usr/bin/env bash
# Every C++ snippet in docs/ must be preceded by a line `<!-- example: PATH -->` naming the
# example it quotes, and must equal that file: the examples are built and run by CTest, so
# the docs show only code that compiles and runs.
set -u
root="$(cd "$(dirname "$0")/.." && pwd)"
python3 - "$root" <<'PY'
import pathlib, re, sys
root = pathlib.Path(sys.argv[1])
failures, snippets = 0, 0
for doc in sorted((root / "docs").glob("*.md")):
    text = doc.read_text()
    for m in re.finditer(r"```cpp\n(.*?)```", text, re.S):
        snippets += 1
        before = text[:m.start()].rstrip().splitlines()
        tag = re.match(r"<!-- example: (\S+) -->", before[-1]) if before else None
        if not tag:
            print(f"{doc.name}: a cpp snippet does not name the example it quotes"); failures += 1; continue
        source = root / tag.group(1)
        if not source.exists() or source.read_text() != m.group(1):
            print(f"{doc.name}: snippet differs from {tag.group(1)}"); failures += 1
print(f"{snippets - failures} passed, {failures} failed")
sys.exit(1 if failures or snippets == 0 else 0)
PY
