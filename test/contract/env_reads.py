"""Which environment variables an image's Python code (and, for dbt, its Jinja) reads, from the sources.

Prints JSON {"reads": {name: "file:line"}, "prefixes": {prefix: "file:line"}, "required": {name: reason}}
for the files given. Used by test/contract/job-env.test.ts; standard library only (ast), no imports of
the code under test, so it reads what the image would run without needing its dependencies.

Rules (each a way the code reads a variable):
- os.environ.get(X), os.getenv(X), environ.get(X), environ[X], X in environ, environ.setdefault(X) (the
  code supplies a default itself, so the name is not required of the job); X a literal, a module-level constant (str or
  tuple, looked up across the files), a loop variable over such a tuple, or a call of a module-level
  function returning an f-string with a literal head (read as a prefix, e.g. DP_SECRET_<NAME>);
- Jinja env_var('X') / env_var('X', default) in .yml and .sql files.
A read is required when the tuple it iterates is checked for missing names (a comprehension or loop
over a *_ENV tuple), when a `raise` in the same function names the variable, or, in Jinja, when
env_var has no default.
"""

from __future__ import annotations

import ast
import json
import re
import sys
from pathlib import Path

ENV_CALLS = {"get", "getenv", "setdefault", "pop"}
JINJA = re.compile(r"env_var\(\s*['\"]([A-Za-z_][A-Za-z0-9_]*)['\"]\s*(,)?")


def is_environ(node: ast.AST) -> bool:
    return (isinstance(node, ast.Attribute) and node.attr == "environ") or (isinstance(node, ast.Name) and node.id == "environ")


def main(files: list[str]) -> None:
    trees = {f: ast.parse(Path(f).read_text(), f) for f in files if f.endswith(".py")}
    consts: dict[str, list[str]] = {}
    prefix_funcs: dict[str, str] = {}
    for tree in trees.values():
        for node in tree.body:
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                v = node.value
                if isinstance(v, ast.Constant) and isinstance(v.value, str):
                    consts[node.targets[0].id] = [v.value]
                elif isinstance(v, (ast.Tuple, ast.List)) and all(isinstance(e, ast.Constant) and isinstance(e.value, str) for e in v.elts):
                    consts[node.targets[0].id] = [e.value for e in v.elts]  # type: ignore[attr-defined]
            if isinstance(node, ast.FunctionDef):
                for r in ast.walk(node):
                    if isinstance(r, ast.Return) and isinstance(r.value, ast.JoinedStr) and r.value.values and isinstance(r.value.values[0], ast.Constant):
                        prefix_funcs[node.name] = str(r.value.values[0].value)

    reads: dict[str, str] = {}
    written: set[str] = set()
    prefixes: dict[str, str] = {}
    required: dict[str, str] = {}

    for f, tree in trees.items():
        scopes = [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))] + [tree]
        for scope in scopes:
            loops: dict[str, list[str]] = {}
            for n in ast.walk(scope):
                if isinstance(n, (ast.For, ast.comprehension)) and isinstance(n.target, ast.Name) and isinstance(n.iter, ast.Name) and n.iter.id in consts:
                    loops[n.target.id] = consts[n.iter.id]
            raised = " ".join(ast.unparse(n) for n in ast.walk(scope) if isinstance(n, ast.Raise))

            def names(arg: ast.AST, loops: dict[str, list[str]] = loops) -> tuple[list[str], bool]:
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    return [arg.value], False
                if isinstance(arg, ast.Name) and arg.id in loops:
                    return loops[arg.id], True
                if isinstance(arg, ast.Name) and arg.id in consts:
                    return consts[arg.id], False
                return [], False

            for n in ast.walk(scope):
                arg, kind = None, "read"
                if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr in ENV_CALLS and n.args:
                    if is_environ(n.func.value) or (n.func.attr == "getenv" and isinstance(n.func.value, ast.Name) and n.func.value.id == "os"):
                        arg, kind = n.args[0], ("write" if n.func.attr == "setdefault" else "read")
                elif isinstance(n, ast.Subscript) and is_environ(n.value) and not isinstance(n.ctx, ast.Store):
                    # An assignment rewrites what was read (e.g. unescaping a key); only setdefault supplies a value.
                    arg = n.slice
                elif isinstance(n, ast.Compare) and len(n.ops) == 1 and isinstance(n.ops[0], (ast.In, ast.NotIn)) and is_environ(n.comparators[0]):
                    arg = n.left
                if arg is None:
                    continue
                where = f"{f}:{n.lineno}"
                if isinstance(arg, ast.Call) and isinstance(arg.func, ast.Name) and arg.func.id in prefix_funcs:
                    prefixes.setdefault(prefix_funcs[arg.func.id], where)
                    continue
                found, looped = names(arg)
                for name in found:
                    if kind == "write":
                        written.add(name)
                        continue
                    reads.setdefault(name, where)
                    if looped:
                        required.setdefault(name, f"{where}: checked for missing names")
                    elif re.search(rf"\b{re.escape(name)}\b", raised) or (isinstance(arg, ast.Name) and re.search(rf"\b{arg.id}\b", raised)):
                        required.setdefault(name, f"{where}: a raise in the same function names it")

    for f in files:
        if f.endswith((".yml", ".yaml", ".sql")):
            for i, line in enumerate(Path(f).read_text().splitlines(), 1):
                for m in JINJA.finditer(line):
                    reads.setdefault(m.group(1), f"{f}:{i}")
                    if not m.group(2):
                        required.setdefault(m.group(1), f"{f}:{i}: env_var without a default")

    for name in written:
        required.pop(name, None)
    print(json.dumps({"reads": reads, "prefixes": prefixes, "required": required, "written": sorted(written)}, indent=1, sort_keys=True))


if __name__ == "__main__":
    main(sys.argv[1:])
