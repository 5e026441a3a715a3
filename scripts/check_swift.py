"""Parses every .swift path given NUL-separated on stdin; see scripts/check-swift.

Only hand-written files come here (the generated UniFFI bindings are compiled
by scripts/swift-test), so no grammar gap of generated code is papered over."""
import sys
import tree_sitter_swift
from tree_sitter import Language, Parser

parser = Parser(Language(tree_sitter_swift.language()))
files = [f for f in sys.stdin.buffer.read().decode().split("\0") if f]
if not files:
    print("check-swift: FAILED: no .swift file found", file=sys.stderr)
    sys.exit(1)

def problems(node, out):
    if node.is_error or node.is_missing:
        out.append(node)
        return
    if node.has_error:
        for child in node.children:
            problems(child, out)

failed = 0
for path in sorted(files):
    src = open(path, "rb").read()
    tree = parser.parse(src)
    if not tree.root_node.has_error:
        continue
    failed += 1
    bad = []
    problems(tree.root_node, bad)
    for n in bad[:5] or [tree.root_node]:
        row, col = n.start_point
        what = "missing " + n.type if n.is_missing else "syntax error"
        text = src[n.start_byte:n.end_byte][:60].decode(errors="replace")
        print(f"check-swift: {path}:{row + 1}:{col + 1}: {what}: {text!r}", file=sys.stderr)
passed = len(files) - failed
print(f"check-swift: {len(files)} .swift files parsed")
print(f"check-swift: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
