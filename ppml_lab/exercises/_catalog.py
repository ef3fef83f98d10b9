"""The list of exercises, and look-ups by id: hints, solutions, starters.

Introduced in notebook 00.
"""

from __future__ import annotations

import re
from typing import Any

from .._validation import check_choice, check_integer, check_string
from . import composition_budgets, laplace_gaussian, randomized_response, start_here
from . import dp_training
from . import membership
from . import federated
from . import private_federated
from . import homomorphic
from . import secret_sharing
from . import secure_aggregation
from . import anonymisation
from . import privacy_by_design
from . import scaling_out
from ._core import Exercise, ExerciseList, Hint, Solution

__all__ = ["list_exercises", "get_exercise", "hint", "show_solution"]

EXERCISES: tuple[Exercise, ...] = (start_here.EXERCISES + anonymisation.EXERCISES + randomized_response.EXERCISES  # noqa: E501
                                   + laplace_gaussian.EXERCISES + composition_budgets.EXERCISES
                                   + dp_training.EXERCISES + membership.EXERCISES
                                   + federated.EXERCISES + private_federated.EXERCISES
                                   + secret_sharing.EXERCISES + secure_aggregation.EXERCISES + homomorphic.EXERCISES + privacy_by_design.EXERCISES + scaling_out.EXERCISES)  # noqa: E501
_BY_ID = {exercise.id: exercise for exercise in EXERCISES}
_ID_FIX = 'Pass the id as text with a two-digit notebook number, e.g. "03.1".'


def get_exercise(exercise_id: str) -> Exercise:
    """Return the :class:`Exercise` with this id.

    Parameters
    ----------
    exercise_id : str
        For example ``"03.1"`` (``"3.1"`` is accepted too).

    Raises
    ------
    TypeError
        If ``exercise_id`` is not a string.
    ValueError
        If no exercise has this id; the message lists the ids.

    Notes
    -----
    Introduced in notebook 00.

    Examples
    --------
    >>> get_exercise("3.1")
    Exercise 03.1 (notebook 03): The Laplace mechanism [check_laplace_mechanism]
    >>> print(get_exercise("02.1").check_call)
    check_randomized_response(randomized_response)
    """
    exercise_id = check_string(exercise_id, "exercise_id", fix=_ID_FIX).strip()
    if re.fullmatch(r"\d\.\d+", exercise_id):
        exercise_id = "0" + exercise_id
    return _BY_ID[check_choice(exercise_id, "exercise_id", tuple(_BY_ID), fix=_ID_FIX)]


def list_exercises(notebook: int | str | None = None) -> ExerciseList:
    """List the exercises, optionally those of one notebook.

    Parameters
    ----------
    notebook : int, str or None
        A notebook number (``3`` or ``"03"``); ``None`` lists all.

    Returns
    -------
    ExerciseList
        A tuple of :class:`Exercise` that shows as a table.

    Notes
    -----
    Introduced in notebook 00.

    Examples
    --------
    >>> list_exercises(2)
    id    notebook  title                                            check
    ----  --------  -----------------------------------------------  -------------------------
    02.1  02        Randomized response                              check_randomized_response
    02.2  02        Estimating the true yes-rate from noisy reports  check_rr_estimate
    >>> [e.id for e in list_exercises()]
    ['00.1', '01.1', '01.2', '02.1', '02.2', '03.1', '03.2', '03.3', '03.4', '04.1', '04.2', '05.1', '05.2',
     '06.1', '06.2', '06.3', '07.1', '07.2', '07.3', '08.1', '08.2',
     '08.3', '09.1', '09.2', '10.1', '10.2', '11.1', '11.2', '12.1', '12.2', '13.1', '13.2']
    """
    if notebook is None:
        return ExerciseList(EXERCISES)
    fix = "Pass a notebook number, e.g. notebook=3 or notebook=\"03\", or None for all."
    if isinstance(notebook, str) and notebook.strip().isdigit():
        number = int(notebook.strip())
    else:
        number = check_integer(notebook, "notebook", minimum=0, maximum=99, fix=fix)
    return ExerciseList(e for e in EXERCISES if int(e.notebook) == number)


def hint(exercise_id: str, level: int = 1) -> Hint:
    """Return a hint of an exercise: ``level=1`` a nudge, higher levels more specific.

    Parameters
    ----------
    exercise_id : str
        For example ``"03.1"``.
    level : int, default 1
        Which tier, from 1 to the exercise's number of hints (the hint says
        how many there are and how to ask for the next).

    Notes
    -----
    Introduced in notebook 00.

    Examples
    --------
    >>> hint("00.1")
    💡 Hint for exercise 00.1: The scale is `sensitivity / epsilon`, and a count has sensitivity 1: divide 1 by 0.5.
    """
    exercise = get_exercise(exercise_id)
    hints = exercise.hints
    level = check_integer(level, "level", minimum=1, maximum=len(hints),
                          fix=f"Exercise {exercise.id} has {len(hints)} hint"
                              f"{'s' if len(hints) != 1 else ''}: pass level=1"
                              + (f" to {len(hints)}." if len(hints) > 1 else "."))
    return Hint(exercise.id, hints[level - 1], level=level, of=len(hints))


def show_solution(exercise_id: str) -> Solution:
    """Return the reference solution of an exercise, rendered as code.

    The code is the source of the function in
    :mod:`ppml_lab.exercises.solutions` that the checks are tested against.

    Notes
    -----
    Introduced in notebook 00.

    Examples
    --------
    >>> show_solution("00.1")
    Solution to exercise 00.1 (Warm-up: the Laplace scale of a noisy count):
    <BLANKLINE>
    def laplace_scale(epsilon: float = 0.5, sensitivity: float = 1.0) -> float:
        \"\"\"Scale of the Laplace noise added to a count (sensitivity 1) at epsilon = 0.5.\"\"\"
        return sensitivity / epsilon
    <BLANKLINE>
    noise_scale = laplace_scale()  # = 2
    <BLANKLINE>
    """
    return get_exercise(exercise_id).solution_code()


def _check_ids_unique(exercises: Any) -> None:  # pragma: no cover - import-time sanity check
    ids = [e.id for e in exercises]
    if len(ids) != len(set(ids)):
        raise RuntimeError(f"duplicate exercise ids: {ids}")


_check_ids_unique(EXERCISES)
