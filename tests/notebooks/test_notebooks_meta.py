"""Rules for committed notebooks (see tests/notebooks/README.md).

Strict nbval checks that the committed outputs are reproduced; these tests check
that the notebooks were committed the way ``make notebooks`` writes them.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK_DIR = ROOT / "notebooks"
README = Path(__file__).with_name("README.md")
NAME = re.compile(r"^(\d{2})_[a-z0-9]+(?:_[a-z0-9]+)*\.ipynb$")
UNCOMPARED_TAGS = {"nbval-ignore-output", "nbval-skip", "nbval-remove-output"}
ALLOW_LIST_HEADING = "## Cells whose output is not compared"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"

NOTEBOOKS = sorted(p for p in NOTEBOOK_DIR.glob("*.ipynb"))


def allow_list() -> set[tuple[str, str, str]]:
    """(notebook, cell id, tag) rows of the README's allow-list table."""
    text = README.read_text(encoding="utf-8")
    assert ALLOW_LIST_HEADING in text, f"{README} lost its allow-list section"
    section = text.split(ALLOW_LIST_HEADING, 1)[1].split("\n## ", 1)[0]
    rows = set()
    for line in section.splitlines():
        cells = [c.strip().strip("`") for c in line.strip().strip("|").split("|")]
        if not line.lstrip().startswith("|") or len(cells) < 4:
            continue
        if cells[0] == "notebook" or set(cells[0]) <= set("-: "):
            continue  # header and separator
        rows.add((cells[0], cells[1], cells[2]))
    return rows


def code_cells(nb):
    return [c for c in nb.cells if c.cell_type == "code"]


def test_notebooks_are_present_and_numbered_uniquely():
    names = [p.name for p in NOTEBOOKS]
    assert "00_start_here.ipynb" in names, "notebooks/00_start_here.ipynb is missing"
    bad = [n for n in names if not NAME.match(n)]
    assert not bad, f"notebook names must be NN_snake_case.ipynb: {bad}"
    numbers = [n[:2] for n in names]
    dupes = sorted({n for n in numbers if numbers.count(n) > 1})
    assert not dupes, f"notebook numbers used twice: {dupes}"


def test_allow_list_names_existing_cells():
    for notebook, cell_id, tag in allow_list():
        path = NOTEBOOK_DIR / notebook
        assert path.exists(), f"allow-list names a missing notebook {notebook}"
        nb = nbformat.read(path, as_version=4)
        cell = next((c for c in nb.cells if c.get("id") == cell_id), None)
        assert cell is not None, f"allow-list names a missing cell {notebook}:{cell_id}"
        assert tag in cell.metadata.get("tags", []), f"{notebook}:{cell_id} is not tagged {tag}"


@pytest.fixture(params=NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def path(request) -> Path:
    return request.param


@pytest.fixture
def nb(path):
    return nbformat.read(path, as_version=4)


def test_valid_nbformat_and_python3_kernel(nb):
    nbformat.validate(nb)
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3"


def test_ran_top_to_bottom_in_a_fresh_kernel(nb):
    counts = [c.execution_count for c in code_cells(nb) if c.source.strip()]
    assert counts, "no code cell"
    assert counts == list(range(1, len(counts) + 1)), (
        f"execution counts {counts}: re-run with `make notebooks` and commit the outputs"
    )
    for cell in code_cells(nb):
        for out in cell.outputs:
            if out.get("execution_count") is not None:
                assert out.execution_count == cell.execution_count


def test_no_stored_errors(nb):
    for cell in code_cells(nb):
        if "raises-exception" in cell.metadata.get("tags", []):
            continue
        errors = [f"{o.ename}: {o.evalue}" for o in cell.outputs if o.output_type == "error"]
        assert not errors, f"cell {cell.get('id')} stored an error: {errors}"


def test_written_by_make_notebooks(nb):
    timed = [c.get("id") for c in nb.cells if "execution" in c.metadata]
    assert not timed, f"cells with timing metadata {timed}: use `make notebooks`"
    shows_widgets = any(
        WIDGET_VIEW in out.get("data", {}) for c in code_cells(nb) for out in c.outputs
    )
    if shows_widgets:
        state = nb.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state")
        assert state, "widgets are displayed but their state is not stored: `make notebooks`"


def test_setup_cell_defines_no_function(nb):
    cells = [c for c in code_cells(nb) if c.source.strip()]
    source = "\n".join(
        line for line in cells[0].source.splitlines() if not line.lstrip().startswith(("%", "!"))
    )
    defined = [
        node.name
        for node in ast.walk(ast.parse(source))
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
    ]
    assert not defined, f"setup cell defines {defined}: move them into ppml_lab"


def test_no_trailing_semicolon_to_hide_output(nb):
    # nbval runs cells with store_history=False, where IPython ignores a final
    # ";": the hidden value would appear under nbval but not in the stored cell.
    hiding = []
    for cell in code_cells(nb):
        lines = [ln.split("#", 1)[0].rstrip() for ln in cell.source.splitlines()]
        lines = [ln for ln in lines if ln]
        if lines and lines[-1].endswith(";"):
            hiding.append(cell.get("id"))
    assert not hiding, (
        f"cells {hiding} end with ';' to hide a value: assign it instead "
        "(`_ = ax.plot(...)`) or end with a statement"
    )


def test_outputs_compared_unless_allow_listed(path, nb):
    allowed = allow_list()
    for cell in nb.cells:
        for tag in UNCOMPARED_TAGS & set(cell.metadata.get("tags", [])):
            assert (path.name, cell.get("id"), tag) in allowed, (
                f"{path.name}: cell {cell.get('id')} is tagged {tag}; "
                f"fix its output or add it with a reason to {README.relative_to(ROOT)}"
            )
