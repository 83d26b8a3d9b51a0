"""nbgrader feedback preprocessor: tracebacks of hidden tests would quote keys; keep only
the exception name and message (our grading helpers print key-free feedback instead)."""
from nbgrader import utils
from nbgrader.preprocessors import NbGraderPreprocessor


class RedactHiddenTracebacks(NbGraderPreprocessor):
    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "code" and utils.is_grade(cell):
            for out in cell.get("outputs", []):
                if out.get("output_type") == "error":
                    out["traceback"] = [f"{out.get('ename', '')}: {out.get('evalue', '')}"]
        return cell, resources
