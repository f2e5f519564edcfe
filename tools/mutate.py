"""Mutation testing for the pure engines and three services: `make mutate` (docs/testing.md).

An AST mutator of our own. For each target it lists every mutation point inside function
bodies (comparison boundaries, arithmetic and boolean operators, numeric and boolean constants,
`break`/`continue`, removing a call statement or a `raise`), then runs the target's tests once
per mutant with `pytest -x -q` and prints the share of mutants some test killed.

Nothing is written to the working tree: the mutated function is compiled in memory and swapped
into the live function object (`function.__code__`) in a forked child, after Django is set up
and before pytest collects the tests, so every `from x import f` sees the mutant. One child at a
time (other people run tests on the same two cores). Results go to mutants/<target>.json.

    python tools/mutate.py                 # all six targets
    python tools/mutate.py spend leads     # some targets
    python tools/mutate.py spend --sample 80 --seed 1   # a random, reproducible sample
    python tools/mutate.py spend --survivors            # only last run's survivors, again
"""

from __future__ import annotations

import argparse
import ast
import gc
import hashlib
import importlib
import json
import os
import random
import signal
import sys
import time
import types
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "mutants"


@dataclass(frozen=True)
class Target:
    modules: tuple[str, ...]
    tests: tuple[str, ...]
    sample: int = 0  # by default test this many mutants, a fixed random sample; 0: all


def _package(path: str) -> tuple[str, ...]:
    return tuple(
        ".".join(p.relative_to(ROOT).with_suffix("").parts)
        for p in sorted((ROOT / path).glob("*.py"))
    )


# The tests that exercise each target (`-x` stops at the first failure). The test_*_mutants.py
# files, written to kill this tool's survivors, run last: a mutant that only they kill is
# "killed-new", which gives the score of the other tests and of all of them in one run.
TARGETS = {
    "spend": Target(
        _package("workloads/spend"),
        (
            "tests/workloads/test_spend.py",
            "tests/workloads/test_sensitivity.py",
            "tests/workloads/test_spend_exact.py",
            "tests/workloads/test_spend_speed_equivalence.py",
            "tests/workloads/test_spend_mutants.py",
        ),
        sample=20,
    ),
    "eligibility": Target(
        _package("credits/eligibility"),
        ("tests/credits/test_eligibility.py", "tests/credits/test_eligibility_mutants.py"),
        sample=30,
    ),
    "scoring": Target(
        ("matching.scoring",),
        ("tests/matching/test_scoring.py", "tests/matching/test_scoring_mutants.py"),
        sample=20,
    ),
    "leads": Target(
        ("matching.services.leads",),
        (
            "tests/matching/test_routing_service.py",
            "tests/matching/test_sweeper.py",
            "tests/matching/test_leads_mutants.py",
        ),
        sample=40,
    ),
    # The partner's start (matching) and the application service it calls (credits).
    "applications": Target(
        ("matching.services.applications", "credits.services.applications"),
        (
            "tests/matching/test_application_start.py",
            "tests/credits/test_applications.py",
            "tests/credits/test_applications_mutants.py",
        ),
        sample=20,
    ),
    "outcome": Target(
        ("credits.services.outcome",),
        (
            "tests/credits/test_outcome.py",
            "tests/credits/test_signals.py",
            "tests/credits/test_outcome_mutants.py",
        ),
    ),
}

SWAPS: dict[type, type] = {
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
    ast.Add: ast.Sub,
    ast.Sub: ast.Add,
    ast.Mult: ast.Div,
    ast.Div: ast.Mult,
    ast.FloorDiv: ast.Mult,
    ast.Mod: ast.FloorDiv,
    ast.Pow: ast.Mult,
    ast.BitOr: ast.BitAnd,
    ast.BitAnd: ast.BitOr,
    ast.And: ast.Or,
    ast.Or: ast.And,
}
QUIET_CALLS = {"logger", "log", "_log"}  # removing a log line changes nothing a test can see


@dataclass
class Mutant:
    module: str
    path: str
    index: int
    line: int
    function: str
    change: str
    status: str = ""

    @property
    def ident(self) -> str:
        return f"{self.path}:{self.index}"


class Mutator(ast.NodeTransformer):
    """Walks function bodies; with `apply` set, makes the apply-th mutation and only that one."""

    def __init__(self, apply: int = -1) -> None:
        self.apply = apply
        self.sites: list[tuple[int, str, str]] = []  # (line, root function, description)
        self.root = ""
        self.stack: list[str] = []

    # -- where mutations may go: function bodies only, never defaults or annotations --
    def visit_Module(self, node: ast.Module) -> ast.AST:
        node.body = [self._statement(stmt) for stmt in node.body]
        return node

    def visit_ClassDef(self, node: ast.ClassDef) -> ast.AST:
        if self.root:  # a class made inside a function: its body runs at call time
            return super().generic_visit(node)
        self.stack.append(node.name)
        node.body = [self._statement(stmt) for stmt in node.body]
        self.stack.pop()
        return node

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> ast.AST:
        outer = not self.root
        self.stack.append(node.name)
        if outer:
            self.root = ".".join(self.stack)
        body = node.body
        if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
            body = body[1:]  # the docstring
        new_body = [self._statement(stmt) for stmt in body]
        node.body = node.body[: len(node.body) - len(body)] + new_body
        if outer:
            self.root = ""
        self.stack.pop()
        return node

    visit_AsyncFunctionDef = visit_FunctionDef

    def _statement(self, stmt: ast.stmt) -> ast.stmt:
        result = self.visit(stmt)
        return result if isinstance(result, ast.stmt) else stmt

    def visit_Lambda(self, node: ast.Lambda) -> ast.AST:
        if self.root:
            return self.generic_visit(node)
        # A lambda outside any function (a rule table's `check=lambda s: ...`) is a function
        # of its own: named by its qualified name and line, as its code object is.
        self.root = f"{'.'.join([*self.stack, '<lambda>'])}@{node.lineno}"
        node.body = self.visit(node.body)
        self.root = ""
        return node

    def generic_visit(self, node: ast.AST) -> ast.AST:
        if isinstance(node, ast.arguments | ast.arg):
            return node  # defaults are evaluated at definition time, annotations never
        if not self.root:  # module and class bodies run once, at import: only look for lambdas
            for name, value in ast.iter_fields(node):
                if isinstance(value, ast.AST):
                    setattr(node, name, self.visit(value))
                elif isinstance(value, list):
                    value[:] = [self.visit(v) if isinstance(v, ast.AST) else v for v in value]
            return node
        if isinstance(node, ast.AnnAssign):
            node.value = self.visit(node.value) if node.value else None
            return node
        return super().generic_visit(node)

    def _site(self, node: ast.AST, description: str) -> bool:
        if not self.root:
            return False
        self.sites.append((getattr(node, "lineno", 0), self.root, description))
        return len(self.sites) - 1 == self.apply

    # -- the mutations --
    def visit_Compare(self, node: ast.Compare) -> ast.AST:
        self.generic_visit(node)
        for i, op in enumerate(node.ops):
            new = SWAPS.get(type(op))
            if new and self._site(node, f"{_sym(op)} -> {_sym(new())}"):
                node.ops[i] = new()
        return node

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        self.generic_visit(node)
        new = SWAPS.get(type(node.op))
        if new and self._site(node, f"{_sym(node.op)} -> {_sym(new())}"):
            node.op = new()
        return node

    def visit_AugAssign(self, node: ast.AugAssign) -> ast.AST:
        self.generic_visit(node)
        new = SWAPS.get(type(node.op))
        if new and self._site(node, f"{_sym(node.op)}= -> {_sym(new())}="):
            node.op = new()
        return node

    def visit_BoolOp(self, node: ast.BoolOp) -> ast.AST:
        self.generic_visit(node)
        new = SWAPS[type(node.op)]
        if self._site(node, f"{_sym(node.op)} -> {_sym(new())}"):
            node.op = new()
        return node

    def visit_UnaryOp(self, node: ast.UnaryOp) -> ast.AST:
        self.generic_visit(node)
        if isinstance(node.op, ast.Not | ast.USub) and self._site(node, f"drop {_sym(node.op)}"):
            return node.operand
        return node

    def visit_Constant(self, node: ast.Constant) -> ast.AST:
        value = node.value
        if isinstance(value, bool):
            if self._site(node, f"{value} -> {not value}"):
                return ast.copy_location(ast.Constant(not value), node)
        elif isinstance(value, int | float) and self._site(node, f"{value!r} -> {value + 1!r}"):
            return ast.copy_location(ast.Constant(value + 1), node)
        return node

    def visit_Break(self, node: ast.Break) -> ast.AST:
        if self._site(node, "break -> continue"):
            return ast.copy_location(ast.Continue(), node)
        return node

    def visit_Continue(self, node: ast.Continue) -> ast.AST:
        if self._site(node, "continue -> break"):
            return ast.copy_location(ast.Break(), node)
        return node

    def visit_Expr(self, node: ast.Expr) -> ast.AST:
        self.generic_visit(node)
        call = node.value
        if (
            isinstance(call, ast.Call)
            and _callee_root(call) not in QUIET_CALLS
            and self._site(node, f"remove call {ast.unparse(call.func)}(...)")
        ):
            return ast.copy_location(ast.Pass(), node)
        return node

    def visit_Raise(self, node: ast.Raise) -> ast.AST:
        self.generic_visit(node)
        if self._site(node, "remove raise"):
            return ast.copy_location(ast.Pass(), node)
        return node


def _callee_root(call: ast.Call) -> str:
    func = call.func
    while isinstance(func, ast.Attribute):
        func = func.value
    return func.id if isinstance(func, ast.Name) else ""


_SYMBOLS = {
    "Lt": "<", "LtE": "<=", "Gt": ">", "GtE": ">=", "Eq": "==", "NotEq": "!=", "In": "in",
    "NotIn": "not in", "Is": "is", "IsNot": "is not", "Add": "+", "Sub": "-", "Mult": "*",
    "Div": "/", "FloorDiv": "//", "Mod": "%", "Pow": "**", "BitOr": "|", "BitAnd": "&",
    "And": "and", "Or": "or", "Not": "not", "USub": "-",
}  # fmt: skip


def _sym(op: ast.AST) -> str:
    return _SYMBOLS[type(op).__name__]


def mutants_of(module: str) -> list[Mutant]:
    path = _path_of(module)
    mutator = Mutator()
    mutator.visit(ast.parse(path.read_text(), str(path)))
    rel = str(path.relative_to(ROOT))
    return [
        Mutant(module, rel, i, line, function, change)
        for i, (line, function, change) in enumerate(mutator.sites)
    ]


def _path_of(module: str) -> Path:
    base = ROOT.joinpath(*module.split("."))
    return base / "__init__.py" if base.is_dir() else base.with_suffix(".py")


def _is(code: types.CodeType, function: str) -> bool:
    qualname, _, line = function.partition("@")
    return code.co_qualname == qualname and (not line or code.co_firstlineno == int(line))


def _code_named(code: types.CodeType, qualname: str) -> types.CodeType | None:
    if _is(code, qualname):
        return code
    for const in code.co_consts:
        if isinstance(const, types.CodeType) and (found := _code_named(const, qualname)):
            return found
    return None


def install(mutant: Mutant) -> int:
    """Compile the mutated module and give its function's code to the live function objects."""
    path = ROOT / mutant.path
    tree = Mutator(apply=mutant.index).visit(ast.parse(path.read_text(), str(path)))
    ast.fix_missing_locations(tree)
    new_code = _code_named(compile(tree, str(path), "exec"), mutant.function)
    if new_code is None:
        return 0
    swapped = 0
    for obj in gc.get_objects():
        if (
            isinstance(obj, types.FunctionType)
            and obj.__code__.co_filename == str(path)
            and _is(obj.__code__, mutant.function)
        ):
            obj.__code__ = new_code
            swapped += 1
    return swapped


def _child(mutant: Mutant | None, tests: list[str]) -> int:
    import hypothesis
    import pytest

    # Reproducible runs that leave .hypothesis/ alone and never fail on a slow example.
    hypothesis.settings.register_profile(
        "mutate", database=None, derandomize=True, deadline=None, print_blob=False
    )
    hypothesis.settings.load_profile("mutate")
    if mutant is not None and install(mutant) == 0:
        return 99  # the mutated function is never created at run time (not testable this way)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    first = FirstFailure()
    args = ["-x", "-q", "-p", "no:cacheprovider", "-p", "no:randomly", *tests]
    code = int(pytest.main(args, plugins=[first]))
    return 50 if code and "_mutants.py" in first.nodeid else code


class FirstFailure:
    """Remembers which test failed first."""

    nodeid = ""

    def pytest_runtest_logreport(self, report) -> None:
        if report.failed and not self.nodeid:
            self.nodeid = report.nodeid


def run_one(mutant: Mutant | None, tests: list[str], timeout: float) -> tuple[str, float]:
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            code = _child(mutant, tests)
        finally:
            os._exit(code)
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() - started > timeout:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            return "timeout", time.monotonic() - started
        time.sleep(0.05)
    code = os.waitstatus_to_exitcode(status)
    verdict = {0: "survived", 50: "killed-new", 99: "skipped", 5: "no tests"}.get(code, "killed")
    return verdict, time.monotonic() - started


def _source_hash(modules: tuple[str, ...]) -> str:
    digest = hashlib.sha256()
    for module in modules:
        digest.update(_path_of(module).read_bytes())
    return digest.hexdigest()[:16]


@dataclass
class Report:
    target: str
    mutants: list[Mutant] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        counts = {"killed": 0, "timeout": 0, "killed-new": 0, "survived": 0, "skipped": 0}
        for m in self.mutants:
            counts[m.status if m.status in counts else "skipped"] += 1
        return counts

    def score(self, *, new: bool = True) -> float:
        """The share of mutants killed: by all the tests, or (new=False) by all but the
        test_*_mutants.py files."""
        c = self.counts()
        tested = c["killed"] + c["timeout"] + c["killed-new"] + c["survived"]
        killed = c["killed"] + c["timeout"] + (c["killed-new"] if new else 0)
        return 100.0 * killed / tested if tested else 100.0


def _selected(name: str, args: argparse.Namespace) -> tuple[list[Mutant], dict | None]:
    """This run's mutants: a sample of all of them, or the last run's survivors."""
    target = TARGETS[name]
    mutants = [m for module in target.modules for m in mutants_of(module)]
    previous = OUT / f"{name}.json"
    if args.survivors and previous.exists():
        last = json.loads(previous.read_text())
        if last["source"] == _source_hash(target.modules):
            left = {m["ident"] for m in last["mutants"] if m["status"] == "survived"}
            return [m for m in mutants if m.ident in left], last
        print(f"{name}: the code changed since the last run; testing a new sample")
    sample = target.sample if args.sample is None else args.sample
    if sample and len(mutants) > sample:
        mutants = sorted(
            random.Random(args.seed).sample(  # noqa: S311 (a reproducible sample, not a secret)
                mutants, sample
            ),
            key=_order,
        )
    return mutants, None


def run_target(name: str, args: argparse.Namespace) -> Report:
    target = TARGETS[name]
    tests = [
        t
        for t in target.tests
        if (ROOT / t).exists() and not (args.old_tests_only and t.endswith("_mutants.py"))
    ]
    mutants, last = _selected(name, args)
    verdict, baseline = run_one(None, tests, timeout=600)
    if verdict != "survived":
        sys.exit(f"{name}: the tests fail without any mutation ({verdict}): {' '.join(tests)}")
    timeout = max(3 * baseline, baseline + 10)
    print(f"{name}: {len(mutants)} mutants, tests take {baseline:.1f}s: {' '.join(tests)}")
    for i, mutant in enumerate(mutants, 1):
        mutant.status, _ = run_one(mutant, tests, timeout)
        if mutant.status in ("survived", "skipped", "killed-new") or args.verbose:
            line = (ROOT / mutant.path).read_text().splitlines()[mutant.line - 1].strip()
            print(f"  [{i}/{len(mutants)}] {mutant.status:8} {mutant.path}:{mutant.line}"
                  f" {mutant.function}: {mutant.change}   | {line}")  # fmt: skip
    report = Report(name, mutants)
    if last is not None:  # fold the rerun into the run it came from
        again = {m.ident: m.status for m in mutants}
        report = Report(name, [Mutant(**_fields(m)) for m in last["mutants"]])
        for m in report.mutants:
            m.status = again.get(m.ident, m.status)
    OUT.mkdir(exist_ok=True)
    record = {
        "target": name,
        "source": _source_hash(target.modules),
        "tests": tests,
        "sample": last["sample"] if last else len(mutants),
        "seed": last["seed"] if last else args.seed,
        "counts": report.counts(),
        "score": round(report.score(), 1),
        "score_without_mutants_tests": round(report.score(new=False), 1),
        "mutants": [{**vars(m), "ident": m.ident} for m in report.mutants],
    }
    (OUT / f"{name}.json").write_text(json.dumps(record, indent=1))
    return report


def _fields(data: dict) -> dict:
    return {k: v for k, v in data.items() if k != "ident"}


def _order(m: Mutant) -> tuple[str, int]:
    return (m.path, m.index)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("targets", nargs="*", help=f"some of {', '.join(TARGETS)}; all if none")
    parser.add_argument("--sample", type=int, default=None, help="test N random mutants (0: all)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--survivors", action="store_true", help="rerun last run's survivors")
    parser.add_argument("--list", action="store_true", help="list the mutants, run nothing")
    parser.add_argument("--old-tests-only", action="store_true", help="leave out test_*_mutants.py")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args()
    names = args.targets or list(TARGETS)
    if unknown := set(names) - set(TARGETS):
        parser.error(f"unknown target {', '.join(sorted(unknown))}; pick from {', '.join(TARGETS)}")
    if args.list:
        for name in names:
            for module in TARGETS[name].modules:
                for m in mutants_of(module):
                    print(f"{name} {m.ident} line {m.line} {m.function}: {m.change}")
        return
    _setup_django()
    reports = [run_target(name, args) for name in names]
    print("\ntarget       mutants killed timeout killed-new survived skipped  score (old tests)")
    for r in reports:
        c = r.counts()
        print(f"{r.target:12} {len(r.mutants):7} {c['killed']:6} {c['timeout']:7}"
              f" {c['killed-new']:10} {c['survived']:8} {c['skipped']:7}"
              f"  {r.score():5.1f}% ({r.score(new=False):5.1f}%)")  # fmt: skip


def _setup_django() -> None:
    """SQLite and inline Celery, whatever the shell says; Django and the targets imported once."""
    for var in ("DATABASE_URL", "REDIS_URL", "CI"):
        os.environ.pop(var, None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "cloudroute.settings"
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)
    import django

    django.setup()
    for target in TARGETS.values():
        for module in target.modules:
            importlib.import_module(module)


if __name__ == "__main__":
    main()
