"""Re-execute notebooks in place, the way they are committed.

Usage (``make notebooks`` runs it on every notebook)::

    .venv/bin/python tools/execute_notebooks.py [notebooks/NN_name.ipynb ...]

Each notebook runs top to bottom in a fresh ``python3`` kernel of this
interpreter, from the notebooks folder, with nbclient (``store_widget_state=True``
so GitHub and nbviewer show the widgets' first frame, ``record_timing=False``).
Then the metadata is normalised so that re-running an unchanged notebook gives
no diff: widget model ids (random per run) are renumbered deterministically,
per-cell timing is dropped, the kernelspec is fixed and the Python version is
removed from ``language_info``. The outputs themselves are left as computed:
notebooks seed everything, so they are stable.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
import uuid
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
CELL_METADATA_DROPPED = ("execution", "ExecuteTime")
ID_NAMESPACE = uuid.UUID("6f1d2c1e-4b8a-4f5e-9a57-0c0ffee00000")


def execute(path: Path, timeout: int = 600) -> None:
    """Run ``path`` in a fresh kernel and write it back, normalised."""
    nb = nbformat.read(path, as_version=4)
    nb.metadata.pop("widgets", None)  # keep only the state of this run
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",  # jupyter_client starts it with this interpreter
        resources={"metadata": {"path": str(path.parent)}},
        store_widget_state=True,
        record_timing=False,
    )
    client.execute()
    nb = normalise(nb, path.name)
    nbformat.validate(nb)
    nbformat.write(nb, path)


def normalise(nb: nbformat.NotebookNode, name: str) -> nbformat.NotebookNode:
    """Strip what varies between runs or machines; keep everything else."""
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    nb.metadata.get("language_info", {}).pop("version", None)
    nb.metadata.pop("papermill", None)
    nb.nbformat_minor = max(nb.nbformat_minor, 5)  # 4.5: cells have ids
    seen: set[str] = set()
    for index, cell in enumerate(nb.cells):
        for key in CELL_METADATA_DROPPED:
            cell.metadata.pop(key, None)
        if not cell.get("id") or cell.id in seen:
            cell["id"] = f"cell-{index:03d}"
        seen.add(cell.id)
    return renumber_widget_ids(nb, name)


def renumber_widget_ids(nb: nbformat.NotebookNode, name: str) -> nbformat.NotebookNode:
    """Replace random widget model ids by ids derived from the notebook name.

    Models are numbered breadth-first from the widget views in the outputs (in
    cell order), following ``IPY_MODEL_`` references; models nobody displays
    come last, ordered by content. The same run therefore gives the same ids.
    """
    state = nb.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    if not state:
        return nb
    ids = re.compile("|".join(re.escape(model_id) for model_id in state))
    queue = [m.group(0) for m in ids.finditer(json.dumps(nb.cells, sort_keys=True))]
    order: list[str] = []
    while queue:
        model_id = queue.pop(0)
        if model_id not in order:
            order.append(model_id)
            queue += ids.findall(json.dumps(state[model_id], sort_keys=True))

    def content(model_id: str) -> str:
        return ids.sub("", json.dumps(state[model_id], sort_keys=True))

    order += sorted(set(state) - set(order), key=content)
    mapping = {old: uuid.uuid5(ID_NAMESPACE, f"{name}:{n}").hex for n, old in enumerate(order)}
    text = ids.sub(lambda m: mapping[m.group(0)], json.dumps(nb))
    return nbformat.from_dict(json.loads(text))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", type=Path, help="default: notebooks/*.ipynb")
    parser.add_argument("--timeout", type=int, default=600, help="seconds per cell")
    args = parser.parse_args(argv)
    paths = args.paths or sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    if not paths:
        print("no notebooks to execute", file=sys.stderr)
        return 1
    for path in paths:
        start = time.perf_counter()
        print(f"executing {path} ...", end=" ", flush=True)
        execute(path.resolve(), args.timeout)
        print(f"{time.perf_counter() - start:.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
