"""README.md stays true: its notebook map, Binder badge and commands.

The notebook map is a Markdown table with the columns number (``#``), title,
what you learn and minutes; it is found by the headers "what you learn" and
"minutes". Its first column links each notebook, e.g.
``| [00](notebooks/00_start_here.ipynb) | Start here | ... | 10 |``.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
LINK = re.compile(r"\[(\d{2})\]\((?:\./)?(notebooks/(\d{2})_[A-Za-z0-9_]+\.ipynb)\)")
COLUMNS = ("what you learn", "minutes")


def readme() -> str:
    return README.read_text(encoding="utf-8")


def split_row(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def notebook_map() -> list[list[str]]:
    """Body rows of the table whose header has the four map columns."""
    lines = readme().splitlines()
    for i, line in enumerate(lines):
        header = [c.lower().strip("*_ ") for c in split_row(line)] if "|" in line else []
        if all(any(col in cell for cell in header) for col in COLUMNS):
            rows = []
            for body in lines[i + 2 :]:
                if not body.lstrip().startswith("|"):
                    break
                rows.append(split_row(body))
            return rows
    raise AssertionError(f"README.md has no notebook map table with columns {COLUMNS}")


def test_notebook_map_lists_exactly_the_notebooks():
    rows = notebook_map()
    linked = []
    for row in rows:
        match = LINK.search(row[0])
        assert match, f"first column must link the notebook, like [00](notebooks/00_x.ipynb): {row}"
        number, target, file_number = match.groups()
        assert number == file_number, f"link text {number} does not match {target}"
        assert len(row) >= 4 and row[1], f"row needs a title, what you learn and minutes: {row}"
        assert re.search(r"\d", row[-1]), f"minutes column has no number: {row}"
        linked.append(target)
    on_disk = sorted(f"notebooks/{p.name}" for p in (ROOT / "notebooks").glob("*.ipynb"))
    assert sorted(linked) == on_disk
    assert len(linked) == len(set(linked)), "a notebook is listed twice"


def test_binder_badge_opens_lab_on_notebook_00():
    text = unquote(readme())
    assert "https://mybinder.org/v2/gh/" in text
    assert "urlpath=lab/tree/notebooks/00_start_here.ipynb" in text
    assert (ROOT / "notebooks" / "00_start_here.ipynb").exists()


def test_commands_match_makefile_and_ci():
    text = readme()
    for command in ("make lab", "make test"):
        assert command in text, f"README.md does not mention `{command}`"
    makefile = (ROOT / "Makefile").read_text()
    for target in ("lab", "test"):
        assert re.search(rf"^{target}:", makefile, re.M), f"Makefile has no `{target}` target"
    ci = (ROOT / ".ci" / "run").read_text()
    code = [line.split("#", 1)[0] for line in ci.splitlines()]
    runs_make_test = any(re.search(r"\bmake\b.*\btest\b", line) for line in code)
    assert runs_make_test, ".ci/run must run `make test`"
