"""Operator mutations over the modules that carry the rules, each run against a focused test
selection: which small bugs no test notices.

A mutant is the module with one change a tired developer could make: a comparison turned
(``<`` into ``<=``, ``==`` into ``!=``, ``in`` into ``not in``), ``and`` into ``or``, ``+``
into ``-``, a ``not`` dropped, a number moved by one, ``True`` into ``False``, or a statement
that only calls something removed (a ``shuffle(rows)``, a ``connection.execute("COMMIT")``).
Each mutant is written into a copy of the repository (the tracked files, copied once), and
the selection of tests for its module runs there (``-x``: the first failure kills it; a
time-out counts as killed too, and is reported). A mutant no test kills is *surviving*: a
test is missing, or the mutant is equivalent (it changes nothing observable).

    uv run python bench/mutation.py                       # every module, sampled
    uv run python bench/mutation.py --module polls/privacy.py --sample 0   # all its mutants
    uv run python bench/mutation.py --list                # the mutants, without running

The sample is drawn with a fixed seed, so a run before and after a change of the tests
tries the same mutants.
"""

from __future__ import annotations

import argparse
import ast
import copy
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

RULES = "tests/rules"
FAST_RULES = [
    "tests/rules/test_durability.py",
    "tests/rules/test_release_order.py",
    "tests/rules/test_closed_poll.py",
    "tests/rules/test_scope.py",
    "tests/rules/test_output.py",
    "tests/rules/test_server_settings.py",
    "tests/rules/test_routes.py::test_the_csrf_exclusions_are_exactly_the_known_ones",
    "tests/rules/test_routes.py::test_every_route_has_an_authorization_row",
    "tests/rules/test_routes.py::test_a_console_change_without_its_csrf_token_is_refused",
]
"""The rules' guards without the console's authorization rows (148 requests of their own,
run for the guards only)."""
SELECTIONS: dict[str, list[str]] = {
    "polls/privacy.py": [
        *FAST_RULES,
        "tests/test_privacy.py",
        "tests/privacy/test_stored_data.py",
        # the question box's codes and its sealed code cookie live in privacy.py too
        "tests/forms/test_question_box.py",
        "tests/forms/test_box_code_language.py",
    ],
    "polls/disclosure.py": [*FAST_RULES, "tests/privacy/test_disclosure_rules.py"],
    "polls/services/releases.py": [
        *FAST_RULES,
        "tests/privacy/test_disclosure_attacks.py",
        "tests/console/test_managing.py::test_releases_hold_across_a_reopen",
    ],
    "polls/services/submission.py": [
        *FAST_RULES,
        "tests/services/test_submission.py",
        "tests/api/test_answers_bad_input.py",
    ],
    "polls/ratelimit.py": [
        *FAST_RULES,
        "tests/api/test_rate_limits.py",
        "tests/test_throttle.py",
        "tests/privacy/test_operator.py::test_the_window_salt_is_forgotten_within_minutes",
        "tests/privacy/test_operator.py::test_a_counter_counts_the_whole_window_and_starts_again_after_it",
        "tests/privacy/test_operator.py::test_the_refusal_says_when_the_window_ends",
    ],
    "polls/api/guards.py": [
        RULES,
        "tests/api/test_strict_ids.py",
        "tests/console/test_session.py",
        "tests/api/test_authorization.py::test_bad_credentials_are_401",
        "tests/api/test_authorization.py::test_lists_hold_only_the_callers_subtree",
        "tests/console/test_accounts.py",
    ],
    "polls/forms/guards.py": [
        *FAST_RULES,
        "tests/forms/test_pages.py",
        "tests/api/test_stuffing.py",
    ],
    "polls/db.py": [*FAST_RULES, "tests/test_db.py", "tests/test_wal.py"],
}
"""Each module's own tests, and the rules' guards."""

ONLY: dict[str, tuple[str, ...]] = {"polls/db.py": ("BatchWriter", "_drive_sync", "write")}
"""Where only part of a module is mutated (``db.py``: the writer, not the engines)."""

COMPARE_SWAPS: dict[type[ast.cmpop], type[ast.cmpop]] = {
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
}
BINOP_SWAPS: dict[type[ast.operator], type[ast.operator]] = {
    ast.Add: ast.Sub,
    ast.Sub: ast.Add,
    ast.Mult: ast.FloorDiv,
    ast.FloorDiv: ast.Mult,
    ast.Div: ast.Mult,
    ast.Mod: ast.FloorDiv,
}


@dataclass(frozen=True)
class Mutant:
    module: str
    index: int
    """The how-many-th mutation point of the module (in walk order)."""
    line: int
    what: str

    @property
    def name(self) -> str:
        return f"{self.module}:{self.line} {self.what}"


def _points(tree: ast.Module, only: tuple[str, ...]) -> Iterator[tuple[ast.AST, str]]:
    """Every node that can be mutated, with a description of its mutation. Docstrings,
    annotations and the module's top-level constants of text are left alone."""
    scopes: list[ast.AST] = [tree]
    if only:
        scopes = [
            node
            for node in tree.body
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
            and node.name in only
        ]
    for scope in scopes:
        for node in ast.walk(scope):
            if isinstance(node, ast.Compare):
                for i, op in enumerate(node.ops):
                    if type(op) in COMPARE_SWAPS:
                        swapped = COMPARE_SWAPS[type(op)].__name__
                        yield node, f"compare#{i} {type(op).__name__}->{swapped}"
            elif isinstance(node, ast.BinOp) and type(node.op) in BINOP_SWAPS:
                yield node, f"{type(node.op).__name__}->{BINOP_SWAPS[type(node.op)].__name__}"
            elif isinstance(node, ast.BoolOp):
                yield node, "and->or" if isinstance(node.op, ast.And) else "or->and"
            elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
                yield node, "drop not"
            elif isinstance(node, ast.Constant) and type(node.value) is bool:
                yield node, f"{node.value}->{not node.value}"
            elif isinstance(node, ast.Constant) and type(node.value) is int:
                yield node, f"{node.value}->{node.value + 1}"
            elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call | ast.Await):
                yield node, "drop call " + ast.unparse(node.value)[:50]


def _mutate(node: ast.AST, what: str) -> ast.AST:
    if isinstance(node, ast.Compare):
        i = int(what.split()[0].split("#")[1])
        node.ops[i] = COMPARE_SWAPS[type(node.ops[i])]()
    elif isinstance(node, ast.BinOp):
        node.op = BINOP_SWAPS[type(node.op)]()
    elif isinstance(node, ast.BoolOp):
        node.op = ast.Or() if isinstance(node.op, ast.And) else ast.And()
    elif isinstance(node, ast.UnaryOp):
        return node.operand
    elif isinstance(node, ast.Constant) and type(node.value) is bool:
        node.value = not node.value
    elif isinstance(node, ast.Constant):
        node.value = node.value + 1
    elif isinstance(node, ast.Expr):
        return ast.Pass()
    return node


class _Replace(ast.NodeTransformer):
    def __init__(self, target: int, what: str, nodes: list[ast.AST]) -> None:
        self.target = nodes[target]
        self.what = what

    def visit(self, node: ast.AST) -> ast.AST:
        if node is self.target:
            return _mutate(node, self.what)
        return super().visit(node)


def mutants_of(module: str) -> list[Mutant]:
    tree = ast.parse((ROOT / module).read_text())
    return [
        Mutant(module, i, getattr(node, "lineno", 0), what)
        for i, (node, what) in enumerate(_points(tree, ONLY.get(module, ())))
    ]


def mutated_source(mutant: Mutant) -> str:
    tree = ast.parse((ROOT / mutant.module).read_text())
    points = list(_points(tree, ONLY.get(mutant.module, ())))
    nodes = [node for node, _ in points]
    assert points[mutant.index][1] == mutant.what
    changed = _Replace(mutant.index, mutant.what, nodes).visit(copy.copy(tree))
    return ast.unparse(ast.fix_missing_locations(changed))


def _copy_repository(into: Path) -> None:
    tracked = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, check=True, capture_output=True
    ).stdout.split(b"\0")
    for raw in tracked:
        if not raw:
            continue
        name = raw.decode()
        source = ROOT / name
        if not source.is_file():
            continue
        target = into / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)
    for compiled in (ROOT / "polls" / "locales").rglob("*.mo"):
        target = into / compiled.relative_to(ROOT)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(compiled, target)


def _run_tests(copy_root: Path, tests: list[str], timeout: float) -> tuple[str, float]:
    # a path that is not there (tests/rules, before it was written) is left out
    tests = [
        t for t in tests if not t.startswith("tests/") or (copy_root / t.split("::")[0]).exists()
    ]
    env = {**os.environ, "PYTHONPATH": str(copy_root), "PYTHONDONTWRITEBYTECODE": "1"}
    began = time.monotonic()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *tests],
            cwd=copy_root,
            env=env,
            capture_output=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return "timeout", time.monotonic() - began
    took = time.monotonic() - began
    if done.returncode == 0:
        return "survived", took
    if done.returncode in (4, 5):  # usage error, nothing collected: the run is broken
        raise SystemExit(done.stdout.decode()[-2000:] + done.stderr.decode()[-2000:])
    return "killed", took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--module", action="append", help="a module of SELECTIONS (repeatable)")
    parser.add_argument("--sample", type=int, default=12, help="mutants per module; 0: all")
    parser.add_argument("--seed", type=int, default=18)
    parser.add_argument("--timeout", type=float, default=300)
    parser.add_argument("--list", action="store_true", help="list the mutants and stop")
    parser.add_argument("--json", type=Path, help="write the outcomes here too")
    parser.add_argument(
        "--without-rules", action="store_true", help=f"leave {RULES} out (the score before)"
    )
    parser.add_argument(
        "--tests", nargs="+", help="run the mutants against these tests instead of SELECTIONS"
    )
    parser.add_argument(
        "--no-baseline", action="store_true", help="skip the unmutated run of each selection"
    )
    parser.add_argument(
        "--survivors-of",
        type=Path,
        help="an earlier run's --json: run only its surviving mutants again, keep the others",
    )
    args = parser.parse_args()
    if args.tests:
        for module in SELECTIONS:
            SELECTIONS[module] = list(args.tests)
    if args.without_rules:
        for module, selection in SELECTIONS.items():
            SELECTIONS[module] = [t for t in selection if not t.startswith(RULES)]
    earlier: dict[str, dict[str, object]] = {}
    if args.survivors_of:
        earlier = {o["mutant"]: o for o in json.loads(args.survivors_of.read_text())}
    modules = args.module or list(SELECTIONS)
    chosen: list[Mutant] = []
    for module in modules:
        every = mutants_of(module)
        picked = every
        if args.sample and len(every) > args.sample:
            picked = sorted(
                random.Random(f"{args.seed}:{module}").sample(every, args.sample),
                key=lambda m: m.index,
            )
        print(f"{module}: {len(picked)} of {len(every)} mutants", flush=True)
        chosen.extend(picked)
    outcomes: list[dict[str, object]] = []
    if earlier:
        outcomes = [earlier[m.name] for m in chosen if earlier[m.name]["outcome"] != "survived"]
        chosen = [m for m in chosen if earlier[m.name]["outcome"] == "survived"]
        print(f"{len(outcomes)} killed before, {len(chosen)} to run again", flush=True)
    if args.list:
        for mutant in chosen:
            print(" ", mutant.name)
        return
    with tempfile.TemporaryDirectory(prefix="polls-mutation-") as scratch:
        copy_root = Path(scratch)
        _copy_repository(copy_root)
        for module in sorted({m.module for m in chosen} if not args.no_baseline else ()):
            baseline, took = _run_tests(copy_root, SELECTIONS[module], args.timeout * 2)
            print(f"baseline {module}: {baseline} in {took:.0f} s", flush=True)
            if baseline != "survived":
                raise SystemExit(f"the tests of {module} fail without any mutant")
        for mutant in chosen:
            target = copy_root / mutant.module
            original = target.read_text()
            target.write_text(mutated_source(mutant))
            try:
                outcome, took = _run_tests(copy_root, SELECTIONS[mutant.module], args.timeout)
            finally:
                target.write_text(original)
            print(f"{outcome:9} {took:5.0f} s  {mutant.name}", flush=True)
            outcomes.append({"mutant": mutant.name, "outcome": outcome, "seconds": round(took)})
    killed = sum(1 for o in outcomes if o["outcome"] != "survived")
    print(f"\nscore: {killed} of {len(outcomes)} killed ({killed / max(1, len(outcomes)):.0%})")
    for o in outcomes:
        if o["outcome"] == "survived":
            print("  surviving:", o["mutant"])
    if args.json:
        args.json.write_text(json.dumps(outcomes, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
