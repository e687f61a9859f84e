"""The ``matcher`` command: parses arguments, calls the library, formats results.

Every :class:`~matcher.errors.MatcherError` becomes one line on stderr and exit 1.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Callable

from .errors import MatcherError

Handler = Callable[[argparse.Namespace], int]


def _out(text: str) -> None:
    sys.stdout.write(text if text.endswith("\n") else text + "\n")


def _catalog(args: argparse.Namespace):
    from .catalog import Catalog

    return Catalog(args.catalog)


# ---- standards -------------------------------------------------------------------
def cmd_standards_import(args: argparse.Namespace) -> int:
    parsed = _catalog(args).import_file(args.path)
    for w in parsed.warnings:
        print(f"warning: {w}", file=sys.stderr)
    s = parsed.standard
    _out(
        f"imported {s.code} {s.name}: {len(s.duties)} duties, {len(s.tasks)} tasks, "
        f"{len(s.outputs)} outputs, {len(s.indicators)} indicators, {len(s.knowledge)} K, "
        f"{len(s.skills)} S, {len(s.attitudes)} A"
    )
    return 0


def cmd_standards_list(args: argparse.Namespace) -> int:
    cat = _catalog(args)
    for code in cat.codes():
        s = cat.get(code)
        _out(f"{s.code}\t{s.version}\t{s.name}\t{len(s.tasks)} tasks\t{len(s.indicators)} indicators")
    return 0


def cmd_standards_show(args: argparse.Namespace) -> int:
    from .report import render_standard_text

    s = _catalog(args).get(args.code)
    _out(s.to_json() if args.format == "json" else render_standard_text(s))
    return 0


# ---- parser ------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="matcher",
        description="職能比對: match Traditional Chinese job postings and résumés against iCAP 職能基準.",
    )
    p.add_argument("--catalog", metavar="DIR", help="catalogue folder (default: $MATCHER_CATALOG or data/standards)")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    st = sub.add_parser("standards", help="import, list and show competency standards")
    st_sub = st.add_subparsers(dest="standards_command", metavar="SUBCOMMAND")
    x = st_sub.add_parser("import", help="parse an iCAP 職能基準 text export and add it to the catalogue")
    x.add_argument("path", help="the text export (UTF-8 or Big5)")
    x.set_defaults(func=cmd_standards_import)
    x = st_sub.add_parser("list", help="list the catalogued standards")
    x.set_defaults(func=cmd_standards_list)
    x = st_sub.add_parser("show", help="print one standard")
    x.add_argument("code", help="standard code, e.g. KMC2432-004v2")
    x.add_argument("--format", choices=("text", "json"), default="text")
    x.set_defaults(func=cmd_standards_show)

    return p


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    func: Handler | None = getattr(args, "func", None)
    if func is None:
        # a command group without its subcommand: show that group's help
        parser.parse_args([*(argv if argv is not None else sys.argv[1:]), "--help"])
        return 2
    try:
        return func(args)
    except MatcherError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
