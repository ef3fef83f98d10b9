"""The workshop agendas and the instructor guide stay true to the notebooks and the exercises.

docs/workshop_agenda.md holds the agendas as tables with the columns start, min, notebook, what
happens and exercises. They must add up (each slot starts where the previous one ends, and each
format lasts what its title says), name only exercises that exist, give every notebook of the
two-day course exactly the time its first cell estimates and every exercise a slot, and give no
notebook more time than it needs in the shorter formats. A notebook that is still being written
(not in notebooks/ yet) has no estimate and no exercises to check against: its slot is checked
once it lands. The instructor guide's teaching notes
state each notebook's minutes, which must match the notebooks too.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from ppml_lab.exercises import list_exercises

ROOT = Path(__file__).resolve().parents[2]
AGENDA = ROOT / "docs" / "workshop_agenda.md"
GUIDE = ROOT / "docs" / "instructor_guide.md"
HEADER = ["start", "min", "notebook", "what happens", "exercises"]
SERIES = [f"{n:02d}" for n in range(14)]  # the fixed numbering of DESIGN.md: 00 to 13
EXERCISE_ID = re.compile(r"\b\d{2}\.\d+\b")
CATALOGUE = {e.id: e for e in list_exercises()}


def _estimated_minutes() -> dict[str, int]:
    """Notebook number -> the minutes its first cell estimates, for the notebooks on disk."""
    minutes = {}
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        first = "".join(json.loads(path.read_text(encoding="utf-8"))["cells"][0]["source"])
        match = re.search(r"\*\*Estimated time:\*\* (\d+) minutes", first)
        assert match, f"{path.name}: the first cell must say '**Estimated time:** N minutes.'"
        minutes[path.name[:2]] = int(match.group(1))
    return minutes


ESTIMATED = _estimated_minutes()


def _tables() -> dict[str, list[dict[str, str]]]:
    """Heading -> the rows of the agenda table under it."""
    tables: dict[str, list[dict[str, str]]] = {}
    heading = ""
    lines = AGENDA.read_text(encoding="utf-8").splitlines()
    for i, line in enumerate(lines):
        if line.startswith("#"):
            heading = line.lstrip("#").strip()
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("|") and cells == HEADER:
            rows = []
            for body in lines[i + 2:]:
                if not body.startswith("|"):
                    break
                rows.append(dict(zip(HEADER, [c.strip() for c in body.strip().strip("|")
                                              .split("|")])))
            tables[heading] = rows
    return tables


TABLES = _tables()
LENGTH = {"Ninety minutes: awareness session": 90, "Half day (3 h 30): a tour of the toolbox": 210,
          "Day 1: differential privacy": 480, "Day 2: federated learning and cryptography": 480}
TWO_DAYS = ["Day 1: differential privacy", "Day 2: federated learning and cryptography"]


def _minutes(clock: str) -> int:
    hours, minutes = clock.split(":")
    return 60 * int(hours) + int(minutes)


def _notebooks(row: dict[str, str]) -> list[str]:
    return [] if row["notebook"] == "—" else [n.strip() for n in row["notebook"].split(",")]


def _exercises(row: dict[str, str]) -> list[str]:
    return [] if row["exercises"] == "—" else [e.strip() for e in row["exercises"].split(",")]


def test_the_three_formats_are_there_with_their_lengths():
    assert sorted(TABLES) == sorted(LENGTH)


@pytest.mark.parametrize("heading", sorted(LENGTH))
def test_slots_follow_each_other_and_fill_the_format(heading):
    rows = TABLES[heading]
    for row, following in zip(rows, rows[1:]):
        assert _minutes(row["start"]) + int(row["min"]) == _minutes(following["start"]), row
    assert sum(int(row["min"]) for row in rows) == LENGTH[heading]
    for row in rows:
        assert all(n in SERIES for n in _notebooks(row)), row
        assert row["what happens"], row


@pytest.mark.parametrize("heading", sorted(LENGTH))
def test_every_exercise_named_in_an_agenda_exists_and_belongs_to_the_slot(heading):
    for row in TABLES[heading]:
        for exercise_id in _exercises(row):
            assert exercise_id[:2] in _notebooks(row), row
            if exercise_id[:2] in ESTIMATED:  # its notebook exists: so must the exercise
                assert exercise_id in CATALOGUE, f"{heading}: no exercise {exercise_id} ({row})"


def test_the_two_days_teach_every_notebook_for_its_estimated_time_with_all_its_exercises():
    rows = [row for heading in TWO_DAYS for row in TABLES[heading]]
    taught = [n for row in rows for n in _notebooks(row)]
    assert taught == SERIES  # each notebook once, in order
    for row in rows:
        for notebook in _notebooks(row):
            if notebook in ESTIMATED:  # a notebook still being written has no estimate yet
                assert int(row["min"]) == ESTIMATED[notebook], (row, ESTIMATED[notebook])
            if notebook in ESTIMATED:
                expected = [i for i, e in CATALOGUE.items() if e.notebook == notebook]
                assert _exercises(row) == expected, row
    # ... and every exercise of the catalogue has its slot
    assert set(CATALOGUE) <= {e for row in rows for e in _exercises(row)}


@pytest.mark.parametrize("heading", ["Ninety minutes: awareness session",
                                     "Half day (3 h 30): a tour of the toolbox"])
def test_a_shorter_format_gives_no_notebook_more_than_its_estimate(heading):
    for row in TABLES[heading]:
        notebooks = _notebooks(row)
        if notebooks and all(n in ESTIMATED for n in notebooks):
            assert int(row["min"]) <= sum(ESTIMATED[n] for n in notebooks), row


def test_the_guides_teaching_notes_state_each_notebooks_estimated_minutes():
    notes = re.findall(r"^\*\*(\d{2}) [^*(]+\((\d+) min\)\.\*\*", GUIDE.read_text(
        encoding="utf-8"), flags=re.MULTILINE)
    assert [n for n, _ in notes] == sorted({n for n, _ in notes})  # in order, once each
    assert {n for n, _ in notes} >= set(ESTIMATED) - {"13"}
    for notebook, minutes in notes:
        if notebook in ESTIMATED:
            assert int(minutes) == ESTIMATED[notebook], notebook


def test_every_exercise_the_guide_names_exists():
    text = GUIDE.read_text(encoding="utf-8")
    named = set()
    for phrase in re.findall(r"[Ee]xercises? (\d{2}\.\d+(?:(?:, | and | or |-)\d{2}\.\d+)*)",
                             text):
        named.update(EXERCISE_ID.findall(phrase))
    assert named, "the guide should name exercises by id"
    assert named <= set(CATALOGUE), sorted(named - set(CATALOGUE))


def test_the_guides_summary_of_the_agendas_names_the_same_exercises():
    lines = GUIDE.read_text(encoding="utf-8").splitlines()
    start = lines.index("| format | for whom | notebooks | exercises |")
    summary = {}
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        summary[cells[0]] = cells[3]
    formats = {"90-minute awareness session": ["Ninety minutes: awareness session"],
               "half day (3 h 30)": ["Half day (3 h 30): a tour of the toolbox"],
               "two days": TWO_DAYS}
    assert sorted(summary) == sorted(formats)
    for name, headings in formats.items():
        in_agenda = [e for h in headings for row in TABLES[h] for e in _exercises(row)]
        if summary[name] == "every exercise":
            assert set(CATALOGUE) <= set(in_agenda)
        else:
            assert EXERCISE_ID.findall(summary[name]) == in_agenda, name
