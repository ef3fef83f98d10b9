"""The exercise framework: results, hints, solutions and safe calls of learner code.

A check never raises because of what the *learner* wrote: a function that is
still the starter (its body is ``...``, so it returns ``None``, or it raises
:class:`NotImplementedError`) gives a neutral "not attempted yet" result, and
any other exception becomes a failed result that shows the exception's type and
message. A "not attempted" result shows no hint, only how to ask for one
(:func:`~ppml_lab.exercises.hint`, in tiers from a nudge to the method), so a
committed notebook never gives the answer away before the learner tries.

Exercises that ask the learner to write what the library already has say so,
and their checks refuse an answer that calls the library's function
(:class:`Reporter` ``forbidden=``): the first call of the learner's function
runs under a profiler hook that notices if the forbidden code runs. The committed notebooks hold the unfilled starters and must run top to
bottom, so this matters. Only an answer of the wrong kind raises (``fn()``
passed instead of ``fn``, text instead of a number): a :class:`TypeError` or
:class:`ValueError` from :mod:`ppml_lab._validation`, naming the parameter.

Both frames (:func:`run_function_check`, :func:`run_value_check`) note each
verdict in the kernel's progress record (:mod:`ppml_lab.exercises._record`),
which :func:`~ppml_lab.exercises.progress` shows; a starter left as it was is
not noted, an answer of the wrong kind is noted as an attempt.

Everything shown is deterministic: the same learner code gives the same text,
character for character, because statistical checks draw from a fixed seed and
messages print rounded numbers. Strict nbval compares these outputs.

Introduced in notebook 00.
"""

from __future__ import annotations

import ast
import contextlib
import html
import io
import inspect
import re
import sys
import textwrap
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Sequence

import numpy as np

from .._validation import check_bool, check_callable, check_real, check_string
from ._record import RECORD

__all__ = ["CheckResult", "Hint", "Solution", "Exercise", "ExerciseList"]

_ICON = {"passed": "\u2705", "failed": "\u274c", "not attempted": "\u270f\ufe0f"}
_VERB = {"passed": "passed", "failed": "not yet", "not attempted": "not attempted yet"}
_COLOUR = {"passed": "#2e7d32", "failed": "#c62828", "not attempted": "#757575"}
_HINT_ICON = "\U0001f4a1"


# --- rendering helpers: `code` spans become <code> in HTML and stay verbatim in Markdown ----

_CODE_SPAN = re.compile(r"(`[^`]+`)")
_MD_SPECIAL = re.compile(r"([\\*_\[\]<>#|])")


def _to_html(text: str) -> str:
    parts = _CODE_SPAN.split(text)
    out = []
    for part in parts:
        if part.startswith("`") and part.endswith("`") and len(part) > 1:
            out.append(f"<code>{html.escape(part[1:-1])}</code>")
        else:
            out.append(html.escape(part))
    return "".join(out)


def _to_markdown(text: str) -> str:
    parts = _CODE_SPAN.split(text)
    return "".join(p if p.startswith("`") and p.endswith("`") and len(p) > 1
                   else _MD_SPECIAL.sub(r"\\\1", p) for p in parts)


# --- results ---------------------------------------------------------------------------------

@dataclass(frozen=True, repr=False)
class CheckResult:
    """The outcome of one exercise check, shown as a single pass/fail line.

    Parameters
    ----------
    exercise_id : str
        For example ``"03.1"``.
    passed : bool
        Whether the answer is right.
    message : str
        What was checked and what was found. Code is written in backticks.
    hint : str, default ""
        Shown when the exercise is not passed: a hint aimed at the mistake
        that was found, or the exercise's general hint.
    attempted : bool, default True
        False when the learner's code is still the starter; the result is
        then neutral (neither passed nor failed).

    Notes
    -----
    ``repr``, ``_repr_html_`` and ``_repr_markdown_`` are deterministic, so
    notebooks that display a result pass strict nbval.

    Introduced in notebook 00.

    Examples
    --------
    >>> CheckResult("00.1", True, "the scale is `1 / epsilon` = 2.")
    ✅ Exercise 00.1 passed: the scale is `1 / epsilon` = 2.
    >>> print(CheckResult("00.1", False, "you answered 0.5.", hint="Divide 1 by epsilon."))
    ❌ Exercise 00.1 not yet: you answered 0.5.
    💡 Hint: Divide 1 by epsilon.
    """

    exercise_id: str
    passed: bool
    message: str
    hint: str = ""
    attempted: bool = True

    def __post_init__(self) -> None:
        check_string(self.exercise_id, "exercise_id")
        check_bool(self.passed, "passed")
        check_string(self.message, "message")
        check_string(self.hint, "hint")
        check_bool(self.attempted, "attempted")
        if self.passed and not self.attempted:
            raise ValueError("`passed` must be False when `attempted` is False; got passed=True. "
                             "A starter that was not attempted cannot pass.")

    @property
    def status(self) -> str:
        """``"passed"``, ``"failed"`` or ``"not attempted"``."""
        if not self.attempted:
            return "not attempted"
        return "passed" if self.passed else "failed"

    def _headline(self) -> str:
        return f"{_ICON[self.status]} Exercise {self.exercise_id} {_VERB[self.status]}:"

    def __repr__(self) -> str:
        text = f"{self._headline()} {self.message}"
        if self.hint and not self.passed:
            text += f"\n{_HINT_ICON} Hint: {self.hint}"
        return text

    __str__ = __repr__

    def _repr_html_(self) -> str:
        status = self.status
        body = f"<strong>{html.escape(self._headline())}</strong> {_to_html(self.message)}"
        if self.hint and not self.passed:
            body += f"<br>{_HINT_ICON} <em>Hint:</em> {_to_html(self.hint)}"
        css = status.replace(" ", "-")
        return (f'<div class="ppml-lab-check ppml-lab-check-{css}" style="border-left: 4px solid '
                f'{_COLOUR[status]}; padding: 0.3em 0.8em; margin: 0.3em 0;">{body}</div>')

    def _repr_markdown_(self) -> str:
        text = f"**{self._headline()}** {_to_markdown(self.message)}"
        if self.hint and not self.passed:
            text += f"  \n{_HINT_ICON} *Hint:* {_to_markdown(self.hint)}"
        return text


class Reporter:
    """Builds the results of one exercise (internal helper of the check functions).

    ``call`` shows how the check calls the learner's function, e.g.
    ``"randomized_response(true_answer, epsilon, rng=rng)"``; it is quoted when
    the function cannot be called that way.
    """

    def __init__(self, exercise_id: str, hint: str, call: str = "",
                 forbidden: Sequence[Callable[..., Any]] = ()) -> None:
        self.exercise_id = exercise_id
        self.hint = hint
        self.call = call
        self.forbidden = tuple(forbidden)

    def passed(self, message: str) -> CheckResult:
        return CheckResult(self.exercise_id, True, message)

    def failed(self, message: str, hint: str | None = None) -> CheckResult:
        return CheckResult(self.exercise_id, False, message, self.hint if hint is None else hint)

    def not_attempted(self, message: str) -> CheckResult:
        """A neutral result with no hint in it, only how to ask for one."""
        return CheckResult(self.exercise_id, False,
                           f"{message} Stuck? `exercises.hint(\"{self.exercise_id}\")` gives a "
                           f"first hint.", attempted=False)


class Stop(Exception):
    """Internal: carries a finished :class:`CheckResult` out of nested loops."""

    def __init__(self, result: CheckResult) -> None:
        super().__init__(result.message)
        self.result = result


def run_function_check(fn: Any, body: Callable[[Callable[..., Any], Reporter], CheckResult], *,
                       check_name: str, exercise_id: str, hint: str, call: str,
                       forbidden: Sequence[Callable[..., Any]] = ()) -> CheckResult:
    """The frame shared by every check of a learner's *function*.

    Checks that ``fn`` is callable (a ``TypeError`` naming ``fn`` otherwise),
    runs ``body(fn, reporter)`` and turns a :class:`Stop` raised anywhere in
    it into its result. ``call`` is how the check calls the function, e.g.
    ``"estimate_yes_rate(reports, epsilon)"``; its name is quoted in the fix.
    ``forbidden`` lists the library functions the learner must not call (the
    exercise asks them to write it themselves).
    """
    name = call.split("(", 1)[0]
    with _recorded(exercise_id):
        check_callable(fn, "fn", fix="Pass the function itself, without parentheses: "
                                     f"{check_name}({name}).")
    reporter = Reporter(exercise_id, hint, call=call, forbidden=forbidden)
    try:
        result = body(fn, reporter)
    except Stop as stop:
        result = stop.result
    return _record(result)


@contextlib.contextmanager
def _recorded(exercise_id: str) -> Iterator[None]:
    """An answer of the wrong kind (a ``TypeError`` or ``ValueError`` raised inside) still
    counts as an attempt in :data:`~ppml_lab.exercises._record.RECORD`."""
    try:
        yield
    except (TypeError, ValueError):
        RECORD.note(exercise_id, passed=False)
        raise


def _record(result: CheckResult) -> CheckResult:
    """Note a verdict in the kernel's progress record (not a starter left as it was)."""
    if result.attempted:
        RECORD.note(result.exercise_id, passed=result.passed)
    return result


# --- calling learner code ------------------------------------------------------------------

def function_name(fn: Callable[..., Any]) -> str:
    """The learner function's name (``"fn"`` for a lambda or a callable object)."""
    name = getattr(fn, "__name__", "")
    return name if isinstance(name, str) and name.isidentifier() else "fn"


def function_label(fn: Callable[..., Any]) -> str:
    """How messages refer to the learner's function: its name in backticks, or "your function"."""
    name = function_name(fn)
    return f"`{name}`" if name != "fn" else "your function"


def is_placeholder(value: Any) -> bool:
    """True for what a starter leaves behind: ``...`` (Ellipsis) or ``None``."""
    return value is None or value is Ellipsis


def placeholder_text(value: Any) -> str:
    """``...`` or ``None``, as the learner wrote it."""
    return "..." if value is Ellipsis else repr(value)


def _exception_text(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    text = re.sub(r" at 0x[0-9a-fA-F]+", "", " ".join(text.split()))  # addresses vary per run
    return text if len(text) <= 200 else text[:197] + "..."


def fmt_number(x: float) -> str:
    """``format(x, "g")`` with short exponents: ``1e-05`` becomes ``1e-5``.

    Examples
    --------
    >>> fmt_number(1e-05), fmt_number(0.5), fmt_number(2.0)
    ('1e-5', '0.5', '2')
    """
    return re.sub(r"e([+-])0*(\d)", lambda m: "e" + ("-" if m.group(1) == "-" else "")
                  + m.group(2), format(x, "g"))


def fmt_ratio(x: float) -> str:
    """A ratio for a message: two decimals, or a whole number when large."""
    return f"{x:,.0f}" if x >= 100 else f"{x:.2f}"


def call_text(fn: Callable[..., Any], args: Sequence[Any], kwargs: dict[str, Any]) -> str:
    """``name(arg, ..., key=value)`` with generators shown as ``rng``."""
    def show(v: Any) -> str:
        if isinstance(v, np.random.Generator):
            return "rng"
        if isinstance(v, np.ndarray):
            return f"<array of {v.size} values>"
        if isinstance(v, float):
            return fmt_number(v)
        return repr(v)
    parts = [show(a) for a in args] + [f"{k}={show(v)}" for k, v in kwargs.items()]
    return f"{function_name(fn)}({', '.join(parts)})"


def call_learner(fn: Callable[..., Any], args: Sequence[Any], kwargs: dict[str, Any],
                 reporter: Reporter, *, n: int = 1, first: bool = False,
                 what: str = "the result") -> list[Any]:
    """Call ``fn(*args, **kwargs)`` ``n`` times and return the outputs.

    Raises :class:`Stop` carrying a result when the learner's code raises
    (:class:`NotImplementedError` gives "not attempted"), or, when ``first``
    is true, when the first output is a placeholder (``None``/``...``) and so
    are 20 more: the function is still the starter. A placeholder among real
    outputs is reported as a missing ``return``. When ``n > 1``, what the
    learner's code prints is hidden, so that a debugging ``print`` does not
    fill the notebook with thousands of lines.
    """
    outputs: list[Any] = []
    append = outputs.append
    quiet = contextlib.redirect_stdout(io.StringIO()) if n > 1 else contextlib.nullcontext()
    try:
        with quiet:
            if reporter.forbidden:  # the first call under watch: does it call the library?
                called = _calls_any(reporter.forbidden, fn, args, kwargs, append)
                if called:
                    raise Stop(reporter.failed(
                        f"{function_label(fn)} calls `{called}`, the library's own answer. This "
                        f"exercise asks you to write it yourself (the check compares your "
                        f"function with that one).",
                        hint="Use numpy and the formula from the text above the exercise; the "
                             "library's function is what the check compares against."))
                n -= 1
            for _ in range(n):
                append(fn(*args, **kwargs))
            if first and is_placeholder(outputs[0]):
                for _ in range(20):
                    append(fn(*args, **kwargs))
    except Stop:
        raise
    except NotImplementedError:
        raise Stop(reporter.not_attempted(
            f"{function_label(fn)} still raises NotImplementedError. Replace that line with "
            f"your code and `return` {what}.")) from None
    except Exception as exc:  # the learner's bug: report it, do not crash the notebook
        text = _exception_text(exc)
        hint = None
        if isinstance(exc, TypeError) and "argument" in str(exc) and reporter.call:
            hint = (f"The check calls your function as `{reporter.call}`: keep the parameters "
                    "of the starter code.")
        raise Stop(reporter.failed(
            f"`{call_text(fn, args, kwargs)}` raised {text}{'' if text.endswith('.') else '.'}",
            hint=hint)) from None
    if first and all(is_placeholder(out) for out in outputs):
        raise Stop(reporter.not_attempted(
            f"{function_label(fn)} returned `{placeholder_text(outputs[0])}`. Replace the `...` "
            f"with your code and `return` {what}."))
    for out in outputs:
        if is_placeholder(out):
            raise Stop(reporter.failed(
                f"`{call_text(fn, args, kwargs)}` returned `{placeholder_text(out)}`. Is a "
                "`return` missing in one branch of your code?"))
    return outputs


def qualified_name(fn: Callable[..., Any]) -> str:
    """``module.name`` of a library function as a learner would import it, e.g.
    ``ppml_lab.dp.calibrate_noise_multiplier`` or ``ppml_lab.dp.RandomizedResponse.release``."""
    func = getattr(fn, "__func__", fn)
    module = getattr(func, "__module__", "") or ""
    public = ".".join(part for part in module.split(".") if not part.startswith("_"))
    # ppml_lab.dp.dpsgd.calibrate_noise_multiplier is exported as ppml_lab.dp.<name>
    parts = public.split(".")
    package = ".".join(parts[:2]) if parts[:1] == ["ppml_lab"] and len(parts) > 2 else public
    return f"{package}.{func.__qualname__}"


def _calls_any(forbidden: Sequence[Callable[..., Any]], fn: Callable[..., Any],
               args: Sequence[Any], kwargs: dict[str, Any], append: Callable[[Any], None]
               ) -> str:
    """Call ``fn`` once, appending its output; return the name of the first forbidden
    function it called (directly or not), or ``""``."""
    codes = {}
    for f in forbidden:
        code = getattr(inspect.unwrap(getattr(f, "__func__", f)), "__code__", None)
        if code is not None:
            codes[code] = qualified_name(f)
    seen: list[str] = []

    def watch(frame: Any, event: str, arg: Any) -> None:
        if event == "call" and not seen and frame.f_code in codes:
            seen.append(codes[frame.f_code])

    previous = sys.getprofile()
    sys.setprofile(watch)
    try:
        append(fn(*args, **kwargs))
    finally:
        sys.setprofile(previous)
    return seen[0] if seen else ""


def describe_output(out: Any) -> str:
    """A short, deterministic description of a learner's return value for a message."""
    if isinstance(out, np.ndarray):
        return f"an array of shape {out.shape}"
    if isinstance(out, (list, tuple, set, dict)):
        return f"a {type(out).__name__} of length {len(out)}"
    if isinstance(out, str):
        return f"the string {_short_repr(out)}"
    if isinstance(out, (bool, np.bool_)):
        return repr(bool(out))
    if isinstance(out, (np.integer, np.floating)):
        out = out.item()
    if isinstance(out, int) and abs(out) >= 10**20:  # a ciphertext would fill the screen
        return f"a {len(str(abs(out)))}-digit integer"
    if isinstance(out, (int, float)):
        return repr(out)
    return f"a {type(out).__name__}"


def as_real_output(out: Any, fn: Callable[..., Any], args: Sequence[Any], kwargs: dict[str, Any],
                   reporter: Reporter, *, what: str) -> float:
    """Turn one learner output into a float, or stop with a failed result."""
    if isinstance(out, np.ndarray) and out.ndim == 0:
        out = out[()]
    if isinstance(out, (bool, np.bool_)) or not isinstance(out, (int, float, np.integer,
                                                                 np.floating)):
        raise Stop(reporter.failed(
            f"`{call_text(fn, args, kwargs)}` returned {describe_output(out)}; it should return "
            f"{what}."))
    value = float(out)
    if not np.isfinite(value):
        raise Stop(reporter.failed(
            f"`{call_text(fn, args, kwargs)}` returned {value}; it should return {what}."))
    return value


def as_vector_output(out: Any, fn: Callable[..., Any], args: Sequence[Any],
                     kwargs: dict[str, Any], reporter: Reporter, *, rows: np.ndarray,
                     what: str, per_row: str, sum_hint: str) -> np.ndarray:
    """Turn a learner's output into one finite vector of ``rows.shape[1]`` values, or stop.

    ``rows`` is the ``(n, d)`` input the learner should have reduced to one
    vector (per-example gradients, clients' weights): an output of that shape
    gets ``sum_hint`` (``per_row`` names the rows, e.g. "one row per client").
    """
    try:
        value = np.asarray(out, dtype=float)
    except (TypeError, ValueError):
        value = None
    shown = f"`{call_text(fn, args, kwargs)}` returned {describe_output(out)}"
    d = rows.shape[1]
    if value is None or value.ndim == 0:
        raise Stop(reporter.failed(f"{shown}; it should return {what}."))
    if value.shape == rows.shape:
        raise Stop(reporter.failed(f"{shown}, {per_row}; it should return {what}, of shape "
                                   f"({d},).", hint=sum_hint))
    if value.shape != (d,):
        raise Stop(reporter.failed(f"{shown}; it should return an array of shape ({d},), "
                                   f"{what}."))
    if not np.all(np.isfinite(value)):
        raise Stop(reporter.failed(f"{shown} with non-finite values; it should return {what}."))
    return value


def _short_repr(value: Any) -> str:
    text = repr(value)
    if " at 0x" in text:  # memory addresses would make the message non-deterministic
        text = f"<{type(value).__name__} object>"
    return text if len(text) <= 60 else text[:57] + "..."


# --- hints and solutions -------------------------------------------------------------------

@dataclass(frozen=True, repr=False)
class Hint:
    """A hint for one exercise, shown as a line of text (or Markdown).

    Hints come in tiers, from a nudge to the method; ``level`` of ``of``
    says which, and the text says how to ask for the next one.

    Examples
    --------
    >>> Hint("00.1", "Divide 1 by epsilon.")
    💡 Hint for exercise 00.1: Divide 1 by epsilon.
    >>> Hint("02.1", "What must the probability of the truth be?", level=1, of=3)
    💡 Hint 1 of 3 for exercise 02.1: What must the probability of the truth be? (More: `exercises.hint("02.1", level=2)`.)
    """

    exercise_id: str
    text: str
    level: int = 1
    of: int = 1

    def _title(self) -> str:
        tier = f" {self.level} of {self.of}" if self.of > 1 else ""
        return f"Hint{tier} for exercise {self.exercise_id}"

    def _more(self) -> str:
        if self.level >= self.of:
            return ""
        return f' (More: `exercises.hint("{self.exercise_id}", level={self.level + 1})`.)'

    def __repr__(self) -> str:
        return f"{_HINT_ICON} {self._title()}: {self.text}{self._more()}"

    __str__ = __repr__

    def _repr_markdown_(self) -> str:
        return f"{_HINT_ICON} **{self._title()}:** {_to_markdown(self.text + self._more())}"


@dataclass(frozen=True, repr=False)
class Solution:
    """The reference solution of one exercise, rendered as code.

    ``source`` is read from the function in :mod:`ppml_lab.exercises.solutions`
    with :func:`inspect.getsource`, so what is shown is exactly what the checks
    are tested against. For exercises whose answer is a value, ``usage`` is
    the line that computes it and ``value`` its result.
    """

    exercise_id: str
    title: str
    source: str
    usage: str = ""

    @property
    def code(self) -> str:
        """The full code: the function and, for value exercises, the line using it."""
        return self.source.rstrip("\n") + ("\n\n" + self.usage if self.usage else "") + "\n"

    def __repr__(self) -> str:
        return f"Solution to exercise {self.exercise_id} ({self.title}):\n\n{self.code}"

    __str__ = __repr__

    def _repr_markdown_(self) -> str:
        return (f"**Solution to exercise {self.exercise_id}** ({_to_markdown(self.title)}):\n\n"
                f"```python\n{self.code}```\n")


def function_source(fn: Callable[..., Any]) -> str:
    """Dedented source of a solution function."""
    return textwrap.dedent(inspect.getsource(fn))


def starter_from_solution(fn: Callable[..., Any]) -> str:
    """The solution's signature and docstring with its body replaced by ``...``.

    Generated, not written by hand, so that exercise and solution never drift
    (the INRIA scikit-learn MOOC's approach).
    """
    source = function_source(fn)
    tree = ast.parse(source)
    node = tree.body[0]
    if not isinstance(node, ast.FunctionDef) or ast.get_docstring(node) is None:
        raise ValueError(f"the solution {function_name(fn)} must be a function with a docstring")
    lines = source.splitlines()
    head = lines[:node.body[0].end_lineno]
    indent = " " * (node.col_offset + 4)
    return "\n".join(head) + f"\n{indent}...  # your code here\n"


# --- the catalogue ---------------------------------------------------------------------------

@dataclass(frozen=True, repr=False)
class Exercise:
    """One auto-checked exercise: its id, notebook, title, check, hint and solution.

    Parameters
    ----------
    id : str
        ``"NN.k"``: notebook number and exercise number, e.g. ``"03.1"``.
    title : str
        Short title.
    check : callable
        The ``check_*`` function; it returns a :class:`CheckResult`.
    solution : callable
        The reference solution in :mod:`ppml_lab.exercises.solutions`.
    hint : str
        The general hint, the first tier: a nudge that does not give the
        answer away (it is also shown when an attempt fails for a reason the
        check does not recognise).
    answer_name : str or None
        For exercises answered with a value, the variable the starter defines
        (the solution is then called without arguments to get the value).
        ``None`` for exercises answered with a function.
    question : str
        For value exercises, the question, shown as a comment in the starter.
    more_hints : tuple of str
        Further tiers of hints, each more specific than the last (the last
        may name the method; none is the solution, which
        :func:`~ppml_lab.exercises.show_solution` shows).
    """

    id: str
    title: str
    check: Callable[..., CheckResult]
    solution: Callable[..., Any]
    hint: str
    answer_name: str | None = None
    question: str = ""
    more_hints: tuple[str, ...] = ()

    @property
    def hints(self) -> tuple[str, ...]:
        """Every tier of hints, the general hint first."""
        return (self.hint, *self.more_hints)

    @property
    def notebook(self) -> str:
        """Two-digit notebook number, e.g. ``"03"``."""
        return self.id.split(".")[0]

    @property
    def kind(self) -> str:
        """``"function"`` (the learner writes a function) or ``"value"``."""
        return "function" if self.answer_name is None else "value"

    @property
    def starter(self) -> str:
        """The code a notebook shows before the learner starts."""
        if self.answer_name is None:
            return starter_from_solution(self.solution)
        comment = "\n".join("# " + line if line else "#"
                            for line in textwrap.wrap(self.question, 88))
        return f"{comment}\n{self.answer_name} = ...  # your answer\n"

    @property
    def check_call(self) -> str:
        """The line that checks the learner's answer, e.g. ``check_warmup(laplace_scale)``."""
        arg = self.answer_name if self.answer_name is not None else self.solution.__name__
        return f"{self.check.__name__}({arg})"

    def solution_code(self) -> Solution:
        """The reference solution as a renderable :class:`Solution`."""
        usage = ""
        if self.answer_name is not None:
            value = self.solution()
            usage = f"{self.answer_name} = {self.solution.__name__}()  # = {float(value):.4g}"
        return Solution(self.id, self.title, function_source(self.solution), usage)

    def __repr__(self) -> str:
        return (f"Exercise {self.id} (notebook {self.notebook}): {self.title} "
                f"[{self.check.__name__}]")


class ExerciseList(tuple):
    """A tuple of :class:`Exercise` that renders as a table in a notebook."""

    def __repr__(self) -> str:
        if not self:
            return "No exercises."
        rows = [("id", "notebook", "title", "check")]
        rows += [(e.id, e.notebook, e.title, e.check.__name__) for e in self]
        widths = [max(len(r[i]) for r in rows) for i in range(4)]
        lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip()
                 for row in rows]
        lines.insert(1, "  ".join("-" * w for w in widths))
        return "\n".join(lines)

    __str__ = __repr__

    def _repr_markdown_(self) -> str:
        if not self:
            return "No exercises."
        lines = ["| id | notebook | title | check |", "|---|---|---|---|"]
        lines += [f"| {e.id} | {e.notebook} | {_to_markdown(e.title)} | `{e.check.__name__}` |"
                  for e in self]
        return "\n".join(lines) + "\n"


# --- exercises answered with a number --------------------------------------------------------

def run_value_check(answer: Any, body: Callable[[float, Reporter], CheckResult], *,
                    exercise_id: str, hint: str, fix: str) -> CheckResult:
    """The frame shared by every check of a learner's *number*: what
    :func:`run_function_check` is for functions.

    ``...``/``None`` give "not attempted", a non-number a ``TypeError`` (with
    ``fix``); otherwise ``body(value, reporter)`` grades the number, and a
    :class:`Stop` raised anywhere in it becomes its result.
    """
    reporter = Reporter(exercise_id, hint)
    try:
        with _recorded(exercise_id):
            value = numeric_answer(answer, reporter, fix=fix)
        result = body(value, reporter)
    except Stop as stop:
        result = stop.result
    return _record(result)


def numeric_answer(answer: Any, reporter: Reporter, *, fix: str) -> float:
    """Validate a learner's numeric answer; ``...``/``None`` stop as "not attempted"."""
    if is_placeholder(answer):
        raise Stop(reporter.not_attempted(
            f"your answer is still `{placeholder_text(answer)}`. Replace it with a number and run "
            "the check again."))
    return check_real(answer, "answer", fix=fix)


def fmt_answer(x: float) -> str:
    """A learner's number as a message quotes it: whole numbers in full, others to 6 digits.

    Examples
    --------
    >>> fmt_answer(512010.0), fmt_answer(0.6750000000000002), fmt_answer(12.748590410912785)
    ('512,010', '0.675', '12.7486')
    """
    if x == int(x) and abs(x) < 1e15:
        return f"{int(x):,}"
    return format(x, ".6g")


#: ``domain`` rules of :func:`grade_value` shared by several exercises.
POSITIVE: tuple[Callable[[float], bool], str] = (lambda v: v > 0, "a positive number")
PROBABILITY: tuple[Callable[[float], bool], str] = (lambda v: 0 <= v <= 1,
                                                    "a probability between 0 and 1")


def grade_value(value: float, reporter: Reporter, *, expected: float, tolerance: float,
                mistakes: Sequence[tuple[float, str]], passed: str, what: str,
                percent: bool = False,
                domain: tuple[Callable[[float], bool], str] | None = None,
                choices: Sequence[float] = ()) -> CheckResult:
    """Compare a numeric answer with the expected value and known mistakes.

    A wrong answer is told what is wrong with it, never only "incorrect":

    * with ``choices`` (a question that offers a few answers), an answer that
      is none of them is told the choices, a wrong choice that it is not
      ``what``;
    * an answer outside ``domain`` (a predicate and its rule, e.g.
      ``(lambda v: v > 0, "a positive number")``) is told the rule;
    * an answer a little outside ``tolerance`` (within ten times it) is told
      it is close, and how close the check wants it;
    * any other answer is told whether ``what`` (e.g. "the noise scale at
      epsilon = 0.5") is larger or smaller.

    The hint is aimed at the slip: ``mistakes`` pairs a wrong value that a
    common slip produces with the hint for that slip (the first one within
    ``tolerance`` is used); with ``percent=True`` an answer 100 times the
    expected one (a percentage) gets its own hint; otherwise the exercise's
    general hint.

    Examples
    --------
    >>> reporter = Reporter("00.9", "Divide 1 by epsilon.")
    >>> positive = (lambda v: v > 0, "a positive number")
    >>> def grade(v):
    ...     return grade_value(v, reporter, expected=2.0, tolerance=1e-3, passed="right.",
    ...                        what="the scale", domain=positive,
    ...                        mistakes=[(0.5, "0.5 is epsilon itself.")])
    >>> print(grade(0.5))
    ❌ Exercise 00.9 not yet: you answered 0.5; the scale is larger.
    💡 Hint: 0.5 is epsilon itself.
    >>> grade(2.004).message
    'you answered 2.004, close: the scale is a little smaller, and the check accepts answers within 0.001 of it. Keep more decimals.'
    >>> grade(-1).message
    'you answered -1, but the scale is a positive number.'
    """
    if abs(value - expected) <= tolerance:
        return reporter.passed(passed)
    shown = f"you answered {fmt_answer(value)}"
    mistake_hint = next((hint for wrong, hint in mistakes if abs(value - wrong) <= tolerance),
                        None)
    if choices:
        if all(abs(value - c) > tolerance for c in choices):
            listed = [fmt_number(float(c)) for c in choices]
            return reporter.failed(f"{shown}; answer one of {', '.join(listed[:-1])} or "
                                   f"{listed[-1]}.")
        return reporter.failed(f"{shown}, which is not {what}.", hint=mistake_hint)
    direction = "larger" if value < expected else "smaller"
    if domain is not None and not domain[0](value):
        message = f"{shown}, but {what} is {domain[1]}."
    elif mistake_hint is None and abs(value - expected) <= 10 * tolerance:
        message = (f"{shown}, close: {what} is a little {direction}, and the check accepts "
                   f"answers within {fmt_number(tolerance)} of it. Keep more decimals.")
    else:
        message = f"{shown}; {what} is {direction}."
    if percent and abs(value / 100.0 - expected) <= tolerance:
        return reporter.failed(message, hint="That looks like a percentage. Give a probability "
                                             "between 0 and 1 instead (for example 0.6 for 60 %).")
    return reporter.failed(message, hint=mistake_hint)
