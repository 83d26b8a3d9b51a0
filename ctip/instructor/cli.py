"""ctip-grade: grade a whole cohort in one command (help in Kyrgyz by default, --lang en for English).

    ctip-grade run ex01 --from submissions/            # a folder per trainee, or an LMS .zip
    ctip-grade --lang en run ex01 --from export.zip
    ctip-grade demo --trainees 60 --exercise ex01      # synthetic cohort, whole pipeline
"""
from __future__ import annotations

import argparse
import shutil
import sys
import warnings
from pathlib import Path

from .. import paths
from ..content import loader
from ..i18n import t


def instructor_languages() -> list[str]:
    """The languages ctip-grade speaks: every data/<lang>/ with instructor strings."""
    return sorted(p.parent.name for p in paths.DATA.glob("*/instructor.yaml"))


def parser(lang: str) -> argparse.ArgumentParser:
    def h(key):
        return t(key, lang, "instructor")
    def localize(p):
        # argparse's own headings and -h text, in the instructor's language
        p._positionals.title, p._optionals.title = h("help_positionals"), h("help_options")
        p.add_argument("-h", "--help", action="help", help=h("help_help"))
        return p
    ap = localize(argparse.ArgumentParser(prog="ctip-grade", description=h("prog_description"), add_help=False))
    ap.add_argument("--lang", choices=instructor_languages(), default=lang, help=h("help_lang"))
    sub = ap.add_subparsers(dest="command", required=True, help=h("help_command"))
    run = localize(sub.add_parser("run", help=h("help_run"), description=h("help_run"), add_help=False))
    run.add_argument("exercise", help=h("help_exercise"))
    run.add_argument("--from", dest="source", type=Path, help=h("help_from"))
    run.add_argument("--course", type=Path, default=paths.ROOT, help=h("help_course"))
    run.add_argument("--report", type=Path, help=h("help_report"))
    run.add_argument("--no-feedback", action="store_true", help=h("help_no_feedback"))
    run.add_argument("--wait", type=float, default=0.0, metavar="SECONDS", help=h("help_wait"))
    demo = localize(sub.add_parser("demo", help=h("help_demo"), description=h("help_demo"), add_help=False))
    demo.add_argument("--exercise", default="ex01", help=h("help_exercise"))
    demo.add_argument("--trainees", type=int, default=60, help=h("help_trainees"))
    demo.add_argument("--seed", type=int, default=7, help=h("help_seed"))
    demo.add_argument("--course", type=Path, default=paths.ROOT / "demo-course", help=h("help_course"))
    return ap


def make_demo_course(course: Path, eid: str) -> Path:
    """A scratch nbgrader course holding one exercise (its source notebook and keys)."""
    (course / "solutions").mkdir(parents=True, exist_ok=True)
    shutil.copytree(paths.SOLUTIONS / eid, course / "solutions" / eid, dirs_exist_ok=True)
    shutil.copy(paths.SOLUTIONS / f"{eid}.keys.yaml", course / "solutions" / f"{eid}.keys.yaml")
    return course


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not sys.warnoptions:            # third-party deprecation chatter is not for instructors
        warnings.simplefilter("ignore")
    pre = argparse.ArgumentParser(add_help=False)
    pre.add_argument("--lang", choices=instructor_languages(), default=None)
    known, _ = pre.parse_known_args(argv)
    lang = known.lang or (paths.language() if paths.language() in instructor_languages() else "ky")
    args = parser(lang).parse_args(argv)
    from .runner import run

    def fail(key, **fmt) -> int:
        print(t(key, lang, "instructor", **fmt), file=sys.stderr)
        return 2
    if args.exercise not in loader.exercise_ids():
        return fail("error_exercise", exercise=args.exercise, known=", ".join(loader.exercise_ids()))
    if args.command == "run" and args.source is not None and not args.source.exists():
        return fail("error_no_source", path=args.source)
    if args.command == "run" and not (args.course / "solutions" / args.exercise).is_dir():
        return fail("error_no_course", path=args.course, exercise=args.exercise)
    from .intake import IntakeError
    from .runner import Locked
    try:
        if args.command == "demo":
            from ..delivery.course import env_bin_on_path
            from .cohort import make_cohort
            course = make_demo_course(args.course.resolve(), args.exercise)
            incoming = course / "incoming" / args.exercise
            shutil.rmtree(incoming, ignore_errors=True)
            with env_bin_on_path():
                from ..delivery.course import fast_api
                from .runner import ensure_assignment
                ensure_assignment(fast_api(course), course, args.exercise)
            n, bad = make_cohort(args.exercise, course / "exercises" / args.exercise / f"{args.exercise}.ipynb",
                                 incoming, n=args.trainees, seed=args.seed)
            print(t("demo_made", lang, "instructor", n=n, bad=bad, path=incoming))
            result = run(args.exercise, course, incoming, lang=lang)
        else:
            result = run(args.exercise, args.course, args.source, feedback=not args.no_feedback,
                         report_dir=args.report, lang=lang, wait=args.wait)
    except KeyboardInterrupt:
        print("\n" + t("interrupted", lang, "instructor"), file=sys.stderr)
        return 130
    except Locked as e:
        return fail("error_locked", holder=e.holder)
    except IntakeError as e:
        return fail(e.code, **e.params)
    from .report import retention_console
    for line in retention_console(getattr(result, "retention", None), lang):
        print(line)
    print(t("done", lang, "instructor", graded=len(result.graded), skipped=len(result.skipped),
            failed=len(result.failed), report=result.report_dir / "report.md"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
