"""The drift guard: test the kit against the oldest and the newest releases it allows.

``make test-oldest`` and ``make test-latest`` (see the Makefile) build a separate
virtual environment each and run the whole suite there. This script is their
helper; it reads the requirements from ``pyproject.toml`` (the single source)::

    python tools/drift.py oldest-constraints     # name==lower-bound, one per line
    python tools/drift.py versions               # the installed version of each requirement

``oldest-constraints`` pins every direct requirement of the package and of the
extras the test suite installs (``--extras``, default ``test,flower,present``) to the lower bound that
``pyproject.toml`` declares, as a pip constraints file
(``pip install -c FILE -e ".[test,flower]"``). A requirement without a lower bound
is an error: a bound nobody tests is a guess. Transitive dependencies are left
to pip (the newest that fit).

``versions`` prints a Markdown table of what is installed in the running
interpreter, for the README's "last tested" note and for the log of a drift run.
"""

from __future__ import annotations

import argparse
import re
import sys
from importlib import metadata
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    tomllib = None  # type: ignore[assignment]

ROOT = Path(__file__).resolve().parents[1]
#: The extras ``make test`` installs (keep in step with TEST_EXTRAS in the Makefile).
EXTRAS = ("test", "flower", "present")
_REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*(.*?)\s*(;.*)?$")


def _pyproject() -> dict:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    if tomllib is not None:
        return tomllib.loads(text)
    import pip._vendor.tomli as tomli  # pip vendors a TOML reader on 3.10

    return tomli.loads(text)


def requirements(extras: tuple[str, ...] = EXTRAS) -> list[str]:
    """The direct requirements of the package and of ``extras``, in file order, deduplicated."""
    project = _pyproject()["project"]
    found: list[str] = list(project["dependencies"])
    optional = project.get("optional-dependencies", {})
    for extra in extras:
        if extra not in optional:
            raise SystemExit(f"extra {extra!r} is not in pyproject.toml's optional-dependencies "
                             f"({', '.join(sorted(optional))}); fix EXTRAS in tools/drift.py.")
        found += optional[extra]
    seen: dict[str, str] = {}
    for req in found:
        seen.setdefault(_name(req), req)
    return list(seen.values())


def _name(requirement: str) -> str:
    match = _REQUIREMENT.match(requirement)
    if not match:
        raise SystemExit(f"cannot parse the requirement {requirement!r} in pyproject.toml.")
    return re.sub(r"[-_.]+", "-", match.group(1)).lower()


def lower_bound(requirement: str) -> str:
    """The version after ``>=`` in ``requirement``; an error names it when there is none."""
    specifiers = _REQUIREMENT.match(requirement).group(3)  # type: ignore[union-attr]
    for spec in specifiers.split(","):
        spec = spec.strip()
        if spec.startswith(">="):
            return spec[2:].strip()
    raise SystemExit(f"requirement {requirement!r} in pyproject.toml has no lower bound (>=); "
                     "give it one that `make test-oldest` can test.")


def oldest_constraints(extras: tuple[str, ...] = EXTRAS) -> list[str]:
    """``name==lower-bound`` for every direct requirement."""
    return [f"{_name(r)}=={lower_bound(r)}" for r in requirements(extras)]


def installed_versions(extras: tuple[str, ...] = EXTRAS) -> list[tuple[str, str]]:
    """``(name, installed version or "missing")`` for every direct requirement."""
    rows = []
    for req in requirements(extras):
        name = _name(req)
        try:
            rows.append((name, metadata.version(name)))
        except metadata.PackageNotFoundError:
            rows.append((name, "missing"))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=("oldest-constraints", "versions"))
    parser.add_argument("--extras", default=",".join(EXTRAS),
                        help="comma-separated extras whose requirements count (default: %(default)s)")
    args = parser.parse_args(argv)
    extras = tuple(e for e in args.extras.split(",") if e)
    if args.command == "oldest-constraints":
        print("\n".join(oldest_constraints(extras)))
    else:
        py = ".".join(map(str, sys.version_info[:3]))
        print(f"| package | version |\n|---|---|\n| python | {py} |")
        print("\n".join(f"| {name} | {version} |" for name, version in installed_versions(extras)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
