"""The record of what the checks have seen in this kernel, for :func:`~ppml_lab.exercises.progress`.

Every check function notes its verdict here (through the frames
:func:`~ppml_lab.exercises._core.run_function_check` and
:func:`~ppml_lab.exercises._core.run_value_check`). The record lives in this
Python process only: a restarted kernel starts with an empty one, and nothing
is written to disk. It is the one piece of state the exercises keep, held in
one object, :data:`RECORD`, which :meth:`ProgressRecord.reset` (or
:func:`~ppml_lab.exercises.reset_progress`) empties, e.g. between tests.

Introduced in notebook 00.
"""

from __future__ import annotations

from .._validation import check_string

__all__ = ["ProgressRecord", "RECORD", "PASSED", "ATTEMPTED", "NOT_TRIED"]

PASSED = "passed"
ATTEMPTED = "attempted"
NOT_TRIED = "not tried"


class ProgressRecord:
    """Which exercises were passed, or attempted without passing, in this kernel.

    A pass is kept: an exercise passed once stays passed even if a later
    attempt fails (the learner has shown they can do it). An attempt is a
    check that ran on the learner's answer and did not pass, or refused an
    answer of the wrong kind; a starter that was not filled in yet is not an
    attempt.

    Notes
    -----
    Introduced in notebook 00.

    Examples
    --------
    >>> record = ProgressRecord()
    >>> record.note("02.1", passed=False)
    >>> record.status("02.1"), record.status("02.2")
    ('attempted', 'not tried')
    >>> record.note("02.1", passed=True)
    >>> record.note("02.1", passed=False)
    >>> record.status("02.1")
    'passed'
    >>> record.reset()
    >>> record.status("02.1")
    'not tried'
    """

    def __init__(self) -> None:
        self._passed: set[str] = set()
        self._attempted: set[str] = set()

    def note(self, exercise_id: str, *, passed: bool) -> None:
        """Record one checked attempt of ``exercise_id``, passed or not."""
        check_string(exercise_id, "exercise_id")
        (self._passed if passed else self._attempted).add(exercise_id)

    def status(self, exercise_id: str) -> str:
        """``"passed"``, ``"attempted"`` (not passed yet) or ``"not tried"``."""
        if exercise_id in self._passed:
            return PASSED
        return ATTEMPTED if exercise_id in self._attempted else NOT_TRIED

    def reset(self) -> None:
        """Forget everything: every exercise is "not tried" again."""
        self._passed.clear()
        self._attempted.clear()

    def __repr__(self) -> str:
        return (f"ProgressRecord(passed={sorted(self._passed)}, "
                f"attempted={sorted(self._attempted - self._passed)})")


#: The record the check functions write to: one per kernel (Python process).
RECORD = ProgressRecord()
