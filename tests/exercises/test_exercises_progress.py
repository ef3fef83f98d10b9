"""progress(): what the checks noted in this kernel, per notebook, as a text and an HTML table.

The conftest's autouse fixture empties the kernel's record before and after every test.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

import ppml_lab.exercises as ex
from ppml_lab.exercises import (Progress, ProgressRecord, get_exercise, list_exercises, progress,
                                reset_progress)
from ppml_lab.exercises._record import RECORD

ALL = [e.id for e in list_exercises()]


def _answer(exercise):
    return exercise.solution if exercise.kind == "function" else exercise.solution()


def test_a_fresh_kernel_has_tried_nothing():
    shown = progress()
    assert isinstance(shown, Progress)
    assert (shown.passed, shown.attempted, shown.not_tried) == (0, 0, len(ALL))
    assert shown.total == len(ALL)
    assert [row.notebook for row in shown.notebooks] == sorted({i[:2] for i in ALL})
    assert [i for row in shown.notebooks for i, _ in row.exercises] == ALL


@pytest.mark.parametrize("exercise_id", ALL)
def test_every_check_notes_a_pass(exercise_id):
    exercise = get_exercise(exercise_id)
    assert exercise.check(_answer(exercise)).passed
    shown = progress()
    assert shown.status(exercise_id) == "passed"
    assert (shown.passed, shown.attempted) == (1, 0)


def test_a_failed_attempt_is_attempted_and_a_pass_is_kept():
    assert not ex.check_warmup(0.5).passed
    assert progress().status("00.1") == "attempted"
    assert ex.check_warmup(2).passed
    assert not ex.check_warmup(0.5).passed  # a later slip does not undo the pass
    assert progress().status("00.1") == "passed"
    assert progress().attempted == 0


def test_an_untouched_starter_is_not_an_attempt():
    assert not ex.check_warmup(...).attempted
    assert not ex.check_laplace_mechanism(lambda true_value, sensitivity, epsilon, rng: ...
                                          ).attempted
    assert progress().status("00.1") == progress().status("03.1") == "not tried"


def test_an_answer_of_the_wrong_kind_is_an_attempt():
    with pytest.raises(TypeError, match="`answer`"):
        ex.check_gaussian_sigma("6.46")
    with pytest.raises(TypeError, match="`fn`"):
        ex.check_laplace_mechanism(3.0)
    shown = progress()
    assert shown.status("03.3") == shown.status("03.1") == "attempted"


def test_a_learner_crash_is_an_attempt():
    result = ex.check_fedavg_aggregate(lambda client_weights, n_examples: 1 / 0)
    assert result.status == "failed"
    assert progress().status("07.1") == "attempted"


def test_one_notebook_is_shown_alone():
    ex.check_worst_alpha(0.05)
    ex.check_fedavg_aggregate(lambda client_weights, n_examples: client_weights.mean(axis=0))
    for notebook in (7, "07", "7"):
        shown = progress(notebook=notebook)
        assert [row.notebook for row in shown.notebooks] == ["07"]
        assert [i for i, _ in shown.notebooks[0].exercises] == ["07.1", "07.2", "07.3"]
        assert (shown.passed, shown.attempted, shown.not_tried) == (1, 1, 1)
    assert progress(notebook=99).notebooks == ()
    assert repr(progress(notebook=99)) == "No exercises."
    with pytest.raises(TypeError, match="`notebook` must be an integer"):
        progress(notebook=7.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="`notebook` must be an integer in"):
        progress(notebook=-1)


def test_the_text_table_has_a_row_per_notebook_totals_and_a_legend():
    ex.check_posterior_bound(0.75)
    ex.check_gaussian_sigma(11.19)
    ex.check_warmup(2)
    lines = repr(progress()).splitlines()
    assert lines[0].split() == ["notebook", "passed", "attempted", "not", "tried", "exercises"]
    assert lines[1].split() == ["00", "1/1", "0", "0", "00.1", "✅"]
    row_03 = next(line for line in lines if line.startswith("03 "))
    assert row_03.split() == ["03", "1/4", "1", "2", "03.1", "·", "03.2", "✅", "03.3", "❌",
                              "03.4", "·"]
    total = next(line for line in lines if line.startswith("total"))
    assert total.split() == ["total", f"2/{len(ALL)}", "1", str(len(ALL) - 3)]
    assert "✅ passed" in lines[-2] and "❌ attempted, not passed yet" in lines[-2]
    assert "· not tried" in lines[-2]
    assert "restart" in lines[-1]
    # the columns line up: every count starts where its header does
    start = lines[0].index("attempted")
    assert all(line[start] != " " for line in lines[1:-2])
    assert str(progress()) == repr(progress())


def test_the_html_table_says_each_status_in_words_too():
    ex.check_posterior_bound(0.75)
    ex.check_gaussian_sigma(11.19)
    page = progress(notebook=3)._repr_html_()
    assert page.startswith('<table class="ppml-lab-progress">')
    assert page.count("<tr") == 3  # header, notebook 03, total
    assert [h for h in re.findall(r"<th[^>]*>([^<]*)</th>", page)] == [
        "notebook", "passed", "attempted", "not tried", "exercises"]
    for id_, status in [("03.1", "not tried"), ("03.2", "passed"), ("03.3", "attempted"),
                        ("03.4", "not tried")]:
        assert f'{id_} <span role="img" aria-label="{status}">' in page
    assert "attempted, not passed yet" in page  # the legend: nothing is told by colour alone
    assert "<p>No exercises.</p>" == progress(notebook=99)._repr_html_()


def test_reset_forgets_everything():
    ex.check_warmup(2)
    ex.check_warmup(0.5)
    ex.check_posterior_bound(0.1)
    assert progress().passed == 1 and progress().attempted == 1
    reset_progress()
    assert (progress().passed, progress().attempted) == (0, 0)


def test_a_record_of_ones_own_is_read_and_the_kernels_is_left_alone():
    mine = ProgressRecord()
    mine.note("02.1", passed=True)
    mine.note("02.2", passed=False)
    shown = progress(notebook=2, record=mine)
    assert [s for _, s in shown.notebooks[0].exercises] == ["passed", "attempted"]
    assert progress(notebook=2).passed == 0  # the kernel's record did not change
    assert repr(mine) == "ProgressRecord(passed=['02.1'], attempted=['02.2'])"
    with pytest.raises(TypeError, match="`record` must be a ProgressRecord or None"):
        progress(record={"02.1": "passed"})  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="`exercise_id` must be a string"):
        mine.note(2.1, passed=True)  # type: ignore[arg-type]


def test_the_record_is_one_object_that_ids_outside_the_catalogue_do_not_disturb():
    RECORD.note("99.9", passed=True)  # e.g. a test's own exercise id
    assert progress().passed == 0 and progress().total == len(ALL)
    assert ex._record.RECORD is RECORD


def test_progress_is_deterministic():
    ex.check_randomized_response(lambda true_answer, epsilon, rng: true_answer)
    ex.check_rr_estimate(lambda reports, epsilon: float(np.mean(reports)))
    first, second = progress(), progress()
    assert first == second
    assert repr(first) == repr(second) and first._repr_html_() == second._repr_html_()
