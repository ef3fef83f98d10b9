"""Shared helpers for the exercise tests: wrong answers a learner typically writes."""

from __future__ import annotations

import numpy as np
import pytest

from ppml_lab.exercises import get_exercise, reset_progress


@pytest.fixture
def starter_namespace():
    """Execute an exercise's starter code as a notebook cell would, and return its names."""
    def run(exercise_id: str) -> dict:
        namespace: dict = {"np": np}
        exec(compile(get_exercise(exercise_id).starter, f"<starter {exercise_id}>", "exec"),
             namespace)
        return namespace
    return run


@pytest.fixture(autouse=True)
def _fresh_progress_record():
    """Each test starts and ends with an empty progress record (the one per-kernel state)."""
    reset_progress()
    yield
    reset_progress()
