from __future__ import annotations

import json
from pathlib import Path

from matcher.cli import build_parser, main
from tests.conftest import SEED_TXT


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_import_list_show(tmp_path, capsys):
    code, out, err = run(capsys, "--catalog", str(tmp_path), "standards", "import", str(SEED_TXT))
    assert code == 0, err
    assert out == (
        "imported KMC2432-004v2 公關企劃人員: 2 duties, 5 tasks, 6 outputs, 14 indicators, 16 K, 15 S, 6 A\n"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["KMC2432-004v2.json", "KMC2432-004v2.txt"]
    code, out, _ = run(capsys, "--catalog", str(tmp_path), "standards", "list")
    assert out == "KMC2432-004v2\tV2\t公關企劃人員\t5 tasks\t14 indicators\n"
    code, out, _ = run(capsys, "--catalog", str(tmp_path), "standards", "show", "KMC2432-004v2")
    assert "證據詞彙" not in out  # this catalogue has no glossary
    (tmp_path / "glossary").mkdir()
    (tmp_path / "glossary" / "KMC2432-004v2.json").write_text(
        json.dumps({"standard": "KMC2432-004v2", "items": {"S14": ["新聞稿", "press release"]}}), encoding="utf-8")
    code, out, _ = run(capsys, "--catalog", str(tmp_path), "standards", "show", "KMC2432-004v2")
    assert out.rstrip().endswith("S14: 新聞稿、press release")
    code, out, _ = run(capsys, "--catalog", str(tmp_path), "standards", "list")
    assert out == "KMC2432-004v2\tV2\t公關企劃人員\t5 tasks\t14 indicators\n"  # the glossary folder is not a standard
    code, out, _ = run(capsys, "--catalog", str(tmp_path), "standards", "show", "KMC2432-004v2", "--format", "json")
    d = json.loads(out)
    assert (d["code"], d["name"], d["level"]) == ("KMC2432-004v2", "公關企劃人員", 3)
    assert d["duties"][1]["tasks"][1]["indicators"][1]["text"].endswith("以作為後續合作參考。")
    code, out, _ = run(capsys, "--catalog", str(tmp_path), "standards", "show", "KMC2432-004v2")
    assert "P2.2.2 依公關活動執行成果及績效，記錄代理商執行品質及改善問題，以作為後續合作參考。" in out


def test_bad_file_is_one_line_no_traceback(tmp_path, capsys):
    bad = tmp_path / "bad.txt"
    bad.write_text("", encoding="utf-8")
    code, out, err = run(capsys, "--catalog", str(tmp_path / "cat"), "standards", "import", str(bad))
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and err.startswith("error: ") and "line 1" in err
    assert "Traceback" not in err
    code, _, err = run(capsys, "--catalog", str(tmp_path), "standards", "import", str(tmp_path / "nope.txt"))
    assert code == 1 and "cannot read" in err


def test_big5_source(tmp_path, capsys):
    big5 = tmp_path / "big5.txt"
    big5.write_bytes(SEED_TXT.read_text(encoding="utf-8").encode("cp950"))
    code, out, err = run(capsys, "--catalog", str(tmp_path / "c"), "standards", "import", str(big5))
    assert code == 0, err


def test_unknown_code_lists_available(capsys):
    code, _, err = run(capsys, "standards", "show", "XYZ")
    assert code == 1
    assert err == (
        "error: unknown standard 'XYZ'; available: KMC2432-004v2. Import one with `matcher standards import PATH`.\n"
    )


def test_every_command_has_help():
    parser = build_parser()
    stack = [parser]
    seen = 0
    while stack:
        p = stack.pop()
        for action in p._actions:
            if action.__class__.__name__ == "_SubParsersAction":
                for choice in action._choices_actions:
                    assert choice.help, f"{choice.dest} has no help"
                    seen += 1
                stack.extend(action.choices.values())
    assert seen >= 4


def test_closed_pipe_exits_quietly():
    import subprocess
    import sys

    root = Path(__file__).resolve().parent.parent
    p = subprocess.Popen([sys.executable, "-m", "matcher.cli", "standards", "show", "KMC2432-004v2"], cwd=root,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    p.stdout.close()  # the reader is gone before the command writes (as with `| head -0`)
    err = p.stderr.read()
    assert (p.wait(timeout=60), err) == (0, b"")
