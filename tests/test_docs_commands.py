"""Every `matcher …` command and flag named in the README, the app and the messages of the
library exists: each is checked against the CLI's argparse tree (and `python -m evaluation`'s
flags against its --help)."""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path

from matcher.cli import build_parser

ROOT = Path(__file__).resolve().parent.parent
SOURCES = [ROOT / "README.md", ROOT / "app.py", *sorted((ROOT / "matcher").glob("*.py"))]


def mentions(tool: str) -> list[tuple[str, str]]:
    """(where, command line) for every mention of ``tool`` in code blocks and inline code."""
    out = []
    pattern = re.compile(rf"(?:^|[\s`$/(])({re.escape(tool)}(?: [^`\n#]*)?)")
    for path in SOURCES:
        spans, prose, fence = [], [], None
        for line in path.read_text(encoding="utf-8").splitlines():
            if path.suffix == ".md" and line.startswith("```"):
                fence = None if fence is not None else line[3:].strip()
            elif fence is not None:
                if fence in ("bash", "console", "sh", ""):
                    spans.append(line)
            else:
                prose.append(line)
        spans += re.findall(r"`([^`\n]+)`", "\n".join(prose))
        for span in spans:
            for line in span.splitlines():
                for m in pattern.finditer(line):
                    out.append((path.name, m.group(1).strip()))
    return out


def subparsers(p: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for a in p._actions:
        if isinstance(a, argparse._SubParsersAction):
            return dict(a.choices)
    return {}


def options(p: argparse.ArgumentParser) -> set[str]:
    return {o for a in p._actions for o in a.option_strings}


def check(line: str) -> list[str]:
    """Problems with one `matcher …` line (empty when every command and flag exists)."""
    parser = build_parser()
    known = options(parser)
    tokens = line.split()[1:]
    problems = []
    p = parser
    for tok in tokens:
        subs = subparsers(p)
        if tok.startswith("-") or not subs:
            break
        names = tok.split("|")
        if all(n in subs for n in names):
            p = subs[names[0]]
            known |= options(p)
            for n in names[1:]:
                known |= options(subs[n])
        elif re.fullmatch(r"[a-z]+(\|[a-z]+)*", tok):
            problems.append(f"no command {tok!r}")
            break
        else:
            break
    for flag in re.findall(r"(?<![\w-])(--?[a-z][a-z-]*)", " ".join(tokens)):
        if flag not in known:
            problems.append(f"no flag {flag}")
    return problems


def test_every_matcher_command_and_flag_mentioned_exists():
    found = mentions("matcher")
    assert len(found) >= 20  # the README's session and command list, messages, docstrings
    bad = [f"{where}: `{line}`: {', '.join(p)}" for where, line in found if (p := check(line))]
    assert bad == []


def test_the_checker_catches_a_wrong_command_or_flag():
    assert check("matcher match FILE --calibrate") == ["no flag --calibrate"]
    assert check("matcher standards remove X") == ["no command 'remove'"]
    assert check("matcher standards import|list|show") == []


def test_every_evaluation_flag_mentioned_exists():
    wanted: dict[str, set[str]] = {}  # module (evaluation, evaluation.rank, ...) -> flags named with it
    for _, line in mentions("python -m evaluation"):
        module = line.split()[2]
        wanted.setdefault(module, set()).update(re.findall(r"(?<![\w-])(--[a-z][a-z-]*)", line))
    assert "evaluation" in wanted
    missing = set()
    for module, flags in wanted.items():
        if not flags:
            continue
        help_text = subprocess.run([sys.executable, "-m", module, "--help"], capture_output=True, text=True,
                                   cwd=ROOT, check=True).stdout
        missing |= {f"{module} {f}" for f in flags if not re.search(rf"(?<![\w-]){f}\b", help_text)}
    assert missing == set()
