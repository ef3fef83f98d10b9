"""``progress()``: which exercises of which notebook a learner has passed in this kernel.

The check functions note every verdict in one per-kernel record
(:data:`ppml_lab.exercises._record.RECORD`); :func:`progress` reads it against
the catalogue and shows, per notebook, each exercise as passed, attempted (not
passed yet) or not tried, with totals: a compact table, HTML in Jupyter and
plain text elsewhere. :func:`reset_progress` empties the record.

Introduced in notebook 00.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from ._catalog import list_exercises
from ._record import ATTEMPTED, NOT_TRIED, PASSED, RECORD, ProgressRecord

__all__ = ["NotebookProgress", "Progress", "progress", "reset_progress"]

_MARK = {PASSED: "\u2705", ATTEMPTED: "\u274c", NOT_TRIED: "\u00b7"}
_LEGEND = (f"{_MARK[PASSED]} passed   {_MARK[ATTEMPTED]} attempted, not passed yet   "
           f"{_MARK[NOT_TRIED]} not tried")
_NOTE = "Counted in this kernel since it started: a restart begins afresh."


@dataclass(frozen=True)
class NotebookProgress:
    """One notebook's row of :class:`Progress`.

    Parameters
    ----------
    notebook : str
        Two-digit notebook number, e.g. ``"07"``.
    exercises : tuple of (str, str)
        ``(exercise id, status)`` pairs in catalogue order; a status is
        ``"passed"``, ``"attempted"`` or ``"not tried"``.
    """

    notebook: str
    exercises: tuple[tuple[str, str], ...]

    def count(self, status: str) -> int:
        """How many of the notebook's exercises have this status."""
        return sum(1 for _, s in self.exercises if s == status)


@dataclass(frozen=True, repr=False)
class Progress:
    """The learner's progress through the exercises, per notebook, with totals.

    Shown as a table: HTML in Jupyter, plain text by ``repr`` (and in a
    notebook's ``text/plain`` output). Build it with :func:`progress`.

    Parameters
    ----------
    notebooks : tuple of NotebookProgress
        One row per notebook that has exercises, in order.

    Notes
    -----
    Introduced in notebook 00.
    """

    notebooks: tuple[NotebookProgress, ...]

    @property
    def passed(self) -> int:
        """Exercises passed."""
        return sum(row.count(PASSED) for row in self.notebooks)

    @property
    def attempted(self) -> int:
        """Exercises attempted and not passed yet."""
        return sum(row.count(ATTEMPTED) for row in self.notebooks)

    @property
    def not_tried(self) -> int:
        """Exercises not tried yet."""
        return sum(row.count(NOT_TRIED) for row in self.notebooks)

    @property
    def total(self) -> int:
        """All exercises shown."""
        return sum(len(row.exercises) for row in self.notebooks)

    def status(self, exercise_id: str) -> str:
        """The status of one exercise shown in the table (a ``KeyError`` if it is not)."""
        for row in self.notebooks:
            for id_, status in row.exercises:
                if id_ == exercise_id:
                    return status
        raise KeyError(exercise_id)

    def _rows(self) -> list[tuple[str, str, str, str]]:
        rows = [(row.notebook, f"{row.count(PASSED)}/{len(row.exercises)}",
                 str(row.count(ATTEMPTED)), str(row.count(NOT_TRIED))) for row in self.notebooks]
        rows.append(("total", f"{self.passed}/{self.total}", str(self.attempted),
                     str(self.not_tried)))
        return rows

    def __repr__(self) -> str:
        if not self.notebooks:
            return "No exercises."
        header = ("notebook", "passed", "attempted", "not tried")
        rows = [header, *self._rows()]
        widths = [max(len(r[i]) for r in rows) for i in range(4)]
        marks = ["exercises"] + ["  ".join(f"{id_} {_MARK[s]}" for id_, s in row.exercises)
                                 for row in self.notebooks] + [""]
        lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)) + "  " + mark
                 for row, mark in zip(rows, marks)]
        return "\n".join(line.rstrip() for line in lines + [_LEGEND, _NOTE])

    __str__ = __repr__

    def _repr_html_(self) -> str:
        if not self.notebooks:
            return "<p>No exercises.</p>"
        cell = 'style="padding: 0.15em 0.8em; text-align: left;"'
        head = "".join(f"<th {cell}>{h}</th>" for h in ("notebook", "passed", "attempted",
                                                         "not tried", "exercises"))
        body = []
        for row, (nb, passed, attempted, not_tried) in zip(self.notebooks, self._rows()):
            marks = " ".join(
                f'<span style="white-space: nowrap; margin-right: 0.6em;">{html.escape(id_)} '
                f'<span role="img" aria-label="{status}">{_MARK[status]}</span></span>'
                for id_, status in row.exercises)
            body.append(f"<tr><td {cell}>{nb}</td><td {cell}>{passed}</td><td {cell}>"
                        f"{attempted}</td><td {cell}>{not_tried}</td><td {cell}>{marks}</td></tr>")
        total = self._rows()[-1]
        body.append("<tr style=\"border-top: 1px solid currentColor; font-weight: bold;\">"
                    + "".join(f"<td {cell}>{v}</td>" for v in total) + f"<td {cell}></td></tr>")
        return (f'<table class="ppml-lab-progress"><thead><tr>{head}</tr></thead><tbody>'
                f'{"".join(body)}</tbody></table><p style="margin: 0.2em 0;">'
                f"{html.escape(_LEGEND)}. {html.escape(_NOTE)}</p>")


def progress(notebook: int | str | None = None, *,
             record: ProgressRecord | None = None) -> Progress:
    """Show which exercises a learner has passed in this kernel, per notebook.

    Every check function notes its verdict as it runs; this reads those notes
    against the list of exercises. An exercise is *passed* once a check
    passed it (a later failed attempt does not undo that), *attempted* when a
    check ran on an answer and it did not pass yet, and *not tried*
    otherwise (a starter left as it was is not an attempt). The notes live in
    this kernel only: a restarted kernel starts afresh.

    Parameters
    ----------
    notebook : int, str or None
        A notebook number (``7`` or ``"07"``) to show only its exercises;
        ``None`` shows every notebook.
    record : ProgressRecord or None
        The record to read; ``None`` is the kernel's own, the one the checks
        write to.

    Returns
    -------
    Progress
        A table: HTML in Jupyter, text with ``print`` or ``repr``.

    Raises
    ------
    TypeError, ValueError
        If ``notebook`` is not a notebook number (as for
        :func:`~ppml_lab.exercises.list_exercises`).

    Notes
    -----
    Introduced in notebook 00.

    Examples
    --------
    >>> from ppml_lab.exercises import (check_gaussian_sigma, check_posterior_bound, progress,
    ...                                 reset_progress)
    >>> reset_progress()
    >>> _ = check_posterior_bound(0.75)   # passed
    >>> _ = check_gaussian_sigma(11.19)   # not yet
    >>> progress(notebook=3)
    notebook  passed  attempted  not tried  exercises
    03        1/4     1          2          03.1 ·  03.2 ✅  03.3 ❌  03.4 ·
    total     1/4     1          2
    ✅ passed   ❌ attempted, not passed yet   · not tried
    Counted in this kernel since it started: a restart begins afresh.
    >>> progress().passed, progress().total >= 30
    (1, True)
    """
    record = RECORD if record is None else record
    if not isinstance(record, ProgressRecord):
        raise TypeError(f"`record` must be a ProgressRecord or None; got "
                        f"{type(record).__name__}. Leave it out to read this kernel's record.")
    by_notebook: dict[str, list[tuple[str, str]]] = {}
    for exercise in list_exercises(notebook):
        by_notebook.setdefault(exercise.notebook, []).append(
            (exercise.id, record.status(exercise.id)))
    return Progress(tuple(NotebookProgress(nb, tuple(rows)) for nb, rows in by_notebook.items()))


def reset_progress() -> None:
    """Forget every pass and attempt recorded in this kernel (for tests, or to start over).

    Notes
    -----
    Introduced in notebook 00.

    Examples
    --------
    >>> from ppml_lab.exercises import check_warmup, progress, reset_progress
    >>> _ = check_warmup(2)
    >>> reset_progress()
    >>> progress(0).passed
    0
    """
    RECORD.reset()
