"""Parses every .swift path given NUL-separated on stdin; see scripts/check-swift."""
import re
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

# tree-sitter-swift 0.7.4 cannot parse an attribute alone inside `#if`, a
# construct the Swift compiler accepts and UniFFI's generated code uses:
#     #if swift(>=5.8)
#     @_documentation(visibility: private)
#     #endif
#     public static func lift(...)
# Only for that exact three-line shape, blank the `#if`/`#endif` lines (line
# numbers stay the same) so the attribute is parsed with its declaration.
# Any other parse error still fails.
ATTR_IN_IF = re.compile(
    rb"^([ \t]*)#if swift\(>=[0-9.]+\)\n([ \t]*@[A-Za-z_]+(?:\([^)\n]*\))?)\n[ \t]*#endif\n",
    re.MULTILINE,
)

def unwrap_attribute_ifs(src):
    return ATTR_IN_IF.subn(lambda m: b"\n" + m.group(2) + b"\n\n", src)

# tree-sitter-swift 0.7.4 also fails on a closure whose body is the empty
# tuple, `{ () }` (UniFFI's callback-interface code: `let writeReturn = { () }`),
# valid Swift. Only that exact closure is read as the equivalent `{ Void() }`.
EMPTY_TUPLE_CLOSURE = re.compile(rb"\{ \(\) \}")

def normalise(src):
    src, a = unwrap_attribute_ifs(src)
    src, b = EMPTY_TUPLE_CLOSURE.subn(b"{ Void() }", src)
    return src, a + b

failed = 0
masked = 0
for path in sorted(files):
    src, n = normalise(open(path, "rb").read())
    masked += n
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
print(f"check-swift: {len(files)} .swift files parsed ({masked} known grammar gaps normalised)")
print(f"check-swift: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
