"""nbgrader preprocessor that grades without running the trainee's notebook.

Our graded answers live in the answer file, and every hidden test is one call such as
``grade_item("ex01", "q01", key='b', points=1.0)``. Instead of starting a kernel per submission
(stock ``Execute``), this preprocessor reads that call from the hidden test (restored from the
gradebook by OverwriteCells, so a trainee cannot change it), evaluates its literal arguments and
calls the same scoring function in-process. The cell gets exactly the outputs the kernel would
have produced (the feedback line on stdout, the points as the execute_result), so SaveAutoGrades,
feedback and formgrader work unchanged, scores are identical to stock autograde, and no code a
trainee wrote or added is ever executed.
"""
from __future__ import annotations

import ast
import io
from contextlib import redirect_stdout

from nbformat.v4 import new_output
from nbgrader import utils
from nbgrader.preprocessors import NbGraderPreprocessor

from .. import grading

CALLS = {"grade_item": grading.item_result, "grade_simulation": grading.simulation_result}


def _safe(text: str) -> str:
    """Text that can be written as UTF-8 (a lone surrogate from an answer value becomes '?')."""
    return text.encode("utf-8", "replace").decode("utf-8")


class HiddenTestError(ValueError):
    pass


def parse_hidden_test(source: str):
    """(function name, args, kwargs) of the grading call in a hidden test, with every argument a
    literal (names may refer to literals assigned earlier in the same cell, e.g. SCORING)."""
    tree = ast.parse(source)
    names: dict[str, object] = {}
    call = None
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            names[node.targets[0].id] = ast.literal_eval(node.value)
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call) \
                and isinstance(node.value.func, ast.Name) and node.value.func.id in CALLS:
            call = node.value
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            continue
        else:
            raise HiddenTestError(f"unexpected statement in hidden test: {ast.dump(node)[:80]}")
    if call is None:
        return None

    def value(node):
        return names[node.id] if isinstance(node, ast.Name) else ast.literal_eval(node)
    return call.func.id, [value(a) for a in call.args], {k.arg: value(k.value) for k in call.keywords}


class ScoreFromAnswers(NbGraderPreprocessor):
    """Drop-in replacement for nbgrader's Execute in Autograde.autograde_preprocessors."""

    def preprocess(self, nb, resources):
        self.folder = resources.get("metadata", {}).get("path") or "."
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code":
            return cell, resources
        cell.outputs = []
        cell.execution_count = None
        if not utils.is_grade(cell):
            return cell, resources        # widget and setup cells: nothing to run for grading
        try:
            parsed = parse_hidden_test(cell.source)
        except (SyntaxError, ValueError, KeyError) as e:
            cell.outputs = [new_output("error", ename="HiddenTestError", evalue=str(e), traceback=[])]
            return cell, resources
        if parsed is None:                # e.g. a rubric cell for instructors: no output, 0 points
            return cell, resources
        name, args, kwargs = parsed
        out = io.StringIO()
        try:
            with redirect_stdout(out):
                got, line = CALLS[name](*args, folder=self.folder, **kwargs)
        except Exception as e:            # as in a kernel: the cell errs and scores 0, the rest goes on
            cell.execution_count = index
            cell.outputs = [new_output("error", ename=type(e).__name__, evalue=_safe(str(e))[:300], traceback=[])]
            return cell, resources
        line = _safe(line)
        cell.execution_count = index
        cell.outputs = [new_output("stream", name="stdout", text=line + "\n"),
                        new_output("execute_result", data={"text/plain": repr(got)}, execution_count=index)]
        return cell, resources
