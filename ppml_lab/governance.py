"""Governance: a record of processing built from a privacy ledger, and a review checklist.

A team that trains a model under a privacy budget has to say, in writing, what
it processed and how (GDPR article 30 calls this a *record of processing
activities*). :func:`processing_record` builds that record from the real
:class:`~ppml_lab.dp.BudgetAccountant` of the run, so the epsilon and delta it
states are the ledger's, not a number typed by hand, together with the
purpose, the data categories, the recipients, the retention period and the
techniques used with their settings. The legal basis is left as an explicit
placeholder: choosing it is a legal decision, not an engineering one.

The record exports to Markdown (for a review) and JSON (for a register);
:meth:`ProcessingRecord.from_json` reads the JSON back exactly.
:func:`review_checklist` is a privacy review checklist, in Markdown, that a
team can copy into its own template.

This is teaching material, not legal advice.

Introduced in notebook 12.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from ._validation import check_label, check_string, fail
from .dp.budget import UNITS_OF_PRIVACY, BudgetAccountant

__all__ = ["LEGAL_BASIS_PLACEHOLDER", "ProcessingRecord", "processing_record",
           "review_checklist"]

#: What the record says about the legal basis until someone qualified fills it in.
LEGAL_BASIS_PLACEHOLDER = "to be determined by your data-protection officer"
_FORMAT = "ppml_lab.ProcessingRecord"
_VERSION = 1
_SETTING_FIX = ("Pass each technique's settings as a dict of names to numbers, strings, "
                "booleans or None, e.g. {'clip_norm': 1.0, 'rounds': 20}.")
Setting = str | int | float | bool | None


def _lines(value: Any, name: str, example: str) -> tuple[str, ...]:
    """A non-empty sequence of one-line texts (a single string is refused: wrap it in a list)."""
    fix = f"Pass a list of one-line texts, e.g. {name}={example}."
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise fail(name, "a non-empty list of one-line texts", value, fix, kind=TypeError)
    if not value:
        raise fail(name, "a non-empty list of one-line texts", value, fix)
    return tuple(check_label(item, f"{name}[{i}]", fix=fix) for i, item in enumerate(value))


def _techniques(value: Any) -> tuple[tuple[str, tuple[tuple[str, Setting], ...]], ...]:
    """``{name: {setting: value}}`` as nested tuples, checked (values JSON scalars)."""
    fix = ("Pass a dict of technique names to their settings, e.g. "
           "techniques={'federated learning': {'hospitals': 5, 'rounds': 20}}.")
    if not isinstance(value, Mapping):
        raise fail("techniques", "a dict of technique names to settings", value, fix,
                   kind=TypeError)
    if not value:
        raise fail("techniques", "at least one technique", value, fix)
    out = []
    for name, settings in value.items():
        name = check_label(name, "techniques", fix=fix)
        if not isinstance(settings, Mapping):
            raise fail(f"techniques[{name!r}]", "a dict of settings", settings, _SETTING_FIX,
                       kind=TypeError)
        checked = []
        for key, setting in settings.items():
            key = check_label(key, f"techniques[{name!r}]", fix=_SETTING_FIX)
            if setting is not None and not isinstance(setting, (str, int, float, bool)):
                raise fail(f"techniques[{name!r}][{key!r}]",
                           "a number, a string, a boolean or None", setting, _SETTING_FIX,
                           kind=TypeError)
            if isinstance(setting, str):
                setting = check_label(setting, f"techniques[{name!r}][{key!r}]",
                                      fix=_SETTING_FIX)
            checked.append((key, setting))
        out.append((name, tuple(checked)))
    return tuple(out)


@dataclass(frozen=True)
class ProcessingRecord:
    """A record of one processing activity, with the privacy it spent (from a ledger).

    Made by :func:`processing_record`; exported with :meth:`to_markdown` and
    :meth:`to_json`, read back with :meth:`from_json`. Introduced in notebook 12.

    Attributes
    ----------
    purpose : str
        What the data is processed for (one purpose: purpose limitation).
    data_categories : tuple of str
        Which kinds of personal data are processed (only those needed: minimisation).
    legal_basis : str
        :data:`LEGAL_BASIS_PLACEHOLDER` unless someone qualified has decided it.
    recipients : tuple of str
        Who receives the data or the results.
    retention : str
        How long the data and the results are kept.
    techniques : tuple of (str, tuple of (str, value))
        Each privacy technique used and its settings.
    unit_of_privacy : str
        What one unit of the ledger's guarantee protects.
    epsilon_budget, delta_budget : float
        The ledger's total budget.
    epsilon_spent, delta_spent : float
        What the ledger says was spent.
    entries : tuple of (str, float, float)
        Each ledger entry: label, epsilon, delta.
    """

    purpose: str
    data_categories: tuple[str, ...]
    legal_basis: str
    recipients: tuple[str, ...]
    retention: str
    techniques: tuple[tuple[str, tuple[tuple[str, Setting], ...]], ...]
    unit_of_privacy: str
    epsilon_budget: float
    delta_budget: float
    epsilon_spent: float
    delta_spent: float
    entries: tuple[tuple[str, float, float], ...]

    def to_dict(self) -> dict[str, Any]:
        """The record as plain JSON-ready values."""
        return {
            "format": _FORMAT, "version": _VERSION,
            "purpose": self.purpose,
            "data_categories": list(self.data_categories),
            "legal_basis": self.legal_basis,
            "recipients": list(self.recipients),
            "retention": self.retention,
            "techniques": {name: dict(settings) for name, settings in self.techniques},
            "privacy": {"unit_of_privacy": self.unit_of_privacy,
                        "budget": {"epsilon": self.epsilon_budget, "delta": self.delta_budget},
                        "spent": {"epsilon": self.epsilon_spent, "delta": self.delta_spent},
                        "entries": [{"label": label, "epsilon": eps, "delta": delta}
                                    for label, eps, delta in self.entries]},
        }

    def to_json(self, *, indent: int | None = 2) -> str:
        """The record as JSON; :meth:`from_json` gives back an equal record."""
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> ProcessingRecord:
        """Read a record written by :meth:`to_json`.

        Examples
        --------
        >>> ledger = BudgetAccountant(2.0, 1e-5)
        >>> _ = ledger.spend(1.5, 1e-6, label="DP-FedAvg, 20 rounds")
        >>> rec = processing_record(ledger, purpose="predict tumour malignancy",
        ...                         data_categories=["tumour measurements"],
        ...                         recipients=["participating hospitals"],
        ...                         retention="model: 2 years", techniques={"DP": {}})
        >>> ProcessingRecord.from_json(rec.to_json()) == rec
        True
        """
        text = check_string(text, "text", fix="Pass the text of ProcessingRecord.to_json().")
        try:
            raw = json.loads(text)
        except json.JSONDecodeError as error:
            raise fail("text", "JSON written by ProcessingRecord.to_json()", text[:40],
                       f"It does not parse: {error.msg}.") from None
        keys = {"format", "version", "purpose", "data_categories", "legal_basis", "recipients",
                "retention", "techniques", "privacy"}
        if not isinstance(raw, dict) or raw.get("format") != _FORMAT or set(raw) != keys:
            raise fail("text", f"a {_FORMAT} document with keys " + ", ".join(sorted(keys)),
                       text[:40])
        if raw["version"] != _VERSION:
            raise fail("text", f"version {_VERSION}", raw["version"])
        privacy = raw["privacy"]
        try:
            entries = tuple((check_label(e["label"], "entries.label"), float(e["epsilon"]),
                             float(e["delta"])) for e in privacy["entries"])
            numbers = [float(privacy[part][key]) for part in ("budget", "spent")
                       for key in ("epsilon", "delta")]
            unit = check_label(privacy["unit_of_privacy"], "unit_of_privacy")
        except (KeyError, TypeError) as error:
            raise fail("text", "a privacy section with budget, spent and entries",
                       privacy, f"Missing or wrong: {error}.") from None
        return cls(purpose=check_label(raw["purpose"], "purpose"),
                   data_categories=_lines(raw["data_categories"], "data_categories", "[...]"),
                   legal_basis=check_label(raw["legal_basis"], "legal_basis"),
                   recipients=_lines(raw["recipients"], "recipients", "[...]"),
                   retention=check_label(raw["retention"], "retention"),
                   techniques=_techniques(raw["techniques"]), unit_of_privacy=unit,
                   epsilon_budget=numbers[0], delta_budget=numbers[1],
                   epsilon_spent=numbers[2], delta_spent=numbers[3], entries=entries)

    def to_markdown(self) -> str:
        """The record as a Markdown document for a privacy review.

        Examples
        --------
        >>> ledger = BudgetAccountant(2.0, 1e-5)
        >>> _ = ledger.spend(1.5, 1e-6, label="DP-FedAvg, 20 rounds")
        >>> rec = processing_record(ledger, purpose="predict tumour malignancy",
        ...                         data_categories=["tumour measurements"],
        ...                         recipients=["participating hospitals"],
        ...                         retention="model: 2 years",
        ...                         techniques={"DP-FedAvg": {"clip_norm": 1.0}})
        >>> print(rec.to_markdown().splitlines()[0])
        # Record of processing: predict tumour malignancy
        >>> "| 1 | DP-FedAvg, 20 rounds | 1.5 | 1e-06 |" in rec.to_markdown()
        True
        """
        def bullets(items: Sequence[str]) -> list[str]:
            return [f"- {item}" for item in items]

        lines = [f"# Record of processing: {self.purpose}", "",
                 "*Teaching template, not legal advice. Have it reviewed by your "
                 "data-protection officer.*", "",
                 f"**Purpose:** {self.purpose}", "",
                 "**Categories of personal data:**", *bullets(self.data_categories), "",
                 f"**Legal basis:** {self.legal_basis}", "",
                 "**Recipients:**", *bullets(self.recipients), "",
                 f"**Retention:** {self.retention}", "",
                 "## Privacy-enhancing techniques and their settings", ""]
        for name, settings in self.techniques:
            text = ", ".join(f"{key} = {value}" for key, value in settings) or "default settings"
            lines.append(f"- **{name}**: {text}")
        lines += ["", "## Differential privacy budget (from the ledger)", "",
                  "*Amounts to 6 significant digits; the JSON export keeps them exactly.*", "",
                  f"- Unit of privacy: {self.unit_of_privacy}",
                  f"- Budget: epsilon = {self.epsilon_budget:.6g}, delta = {self.delta_budget:.6g}",
                  f"- Spent: epsilon = {self.epsilon_spent:.6g}, delta = {self.delta_spent:.6g}",
                  ""]
        if self.entries:
            lines += ["| # | release | epsilon | delta |", "|---|---|---|---|"]
            lines += [f"| {i} | {label} | {eps:.6g} | {delta:.6g} |"
                      for i, (label, eps, delta) in enumerate(self.entries, start=1)]
        else:
            lines.append("No differentially private release was recorded.")
        return "\n".join(lines)

    def _repr_markdown_(self) -> str:
        return self.to_markdown()


def processing_record(accountant: BudgetAccountant, *, purpose: str,
                      data_categories: Sequence[str], recipients: Sequence[str], retention: str,
                      techniques: Mapping[str, Mapping[str, Setting]],
                      legal_basis: str | None = None,
                      unit_of_privacy: str | None = None) -> ProcessingRecord:
    """Build a :class:`ProcessingRecord` from a real privacy ledger and a run's settings.

    The budget, what was spent and every entry come from ``accountant``; the
    rest is what the team states.

    Parameters
    ----------
    accountant : BudgetAccountant
        The ledger the run spent on (no parallel block open).
    purpose : str
        One line: what the processing is for.
    data_categories : list of str
        The kinds of personal data processed.
    recipients : list of str
        Who receives the data or its results.
    retention : str
        How long data and results are kept.
    techniques : dict of str to dict
        Each technique used and its settings (numbers, strings, booleans, None).
    legal_basis : str, optional
        Leave it out to keep :data:`LEGAL_BASIS_PLACEHOLDER`: choosing it is a
        legal decision.
    unit_of_privacy : str, optional
        What one unit of the guarantee protects, when the ledger's own
        description (one example) is not what the run protected: e.g. "one
        hospital (all of its patients)" for DP-FedAvg, whose unit is a client.

    Returns
    -------
    ProcessingRecord

    Examples
    --------
    >>> ledger = BudgetAccountant(2.0, 1e-5)
    >>> _ = ledger.spend(0.5, label="DP logistic regression")
    >>> rec = processing_record(ledger, purpose="predict tumour malignancy",
    ...                         data_categories=["tumour measurements", "diagnosis"],
    ...                         recipients=["participating hospitals"], retention="2 years",
    ...                         techniques={"DP training": {"epsilon": 0.5}})
    >>> rec.epsilon_spent, rec.legal_basis
    (0.5, 'to be determined by your data-protection officer')
    """
    if not isinstance(accountant, BudgetAccountant):
        raise fail("accountant", "a BudgetAccountant", accountant,
                   "Pass the ledger the run spent on, e.g. BudgetAccountant(epsilon=2.0).",
                   kind=TypeError)
    fix_one = "Describe it in one line of text."
    purpose = check_label(purpose, "purpose", fix=fix_one + ' e.g. purpose="predict malignancy".')
    retention = check_label(retention, "retention", fix=fix_one + ' e.g. retention="2 years".')
    legal_basis = (LEGAL_BASIS_PLACEHOLDER if legal_basis is None
                   else check_label(legal_basis, "legal_basis", fix=fix_one))
    data_categories = _lines(data_categories, "data_categories", '["diagnosis"]')
    recipients = _lines(recipients, "recipients", '["participating hospitals"]')
    checked = _techniques(techniques)
    unit = (UNITS_OF_PRIVACY[accountant.neighbouring] if unit_of_privacy is None
            else check_label(unit_of_privacy, "unit_of_privacy", fix=fix_one))
    document = json.loads(accountant.to_json())  # refuses while a parallel block is open
    entries = tuple((e["label"], float(e["epsilon"]), float(e["delta"]))
                    for e in document["entries"])
    return ProcessingRecord(
        purpose=purpose, data_categories=data_categories, legal_basis=legal_basis,
        recipients=recipients, retention=retention, techniques=checked,
        unit_of_privacy=unit,
        epsilon_budget=accountant.total.epsilon, delta_budget=accountant.total.delta,
        epsilon_spent=accountant.spent.epsilon, delta_spent=accountant.spent.delta,
        entries=entries)


_CHECKLIST = """# Privacy review checklist

*A starting point for your own template; teaching material, not legal advice.*

## Purpose and data
- [ ] The purpose is written down in one sentence, and the data is used for nothing else.
- [ ] Every data category is needed for that purpose; the others are not collected.
- [ ] The legal basis has been decided by the data-protection officer (not by the engineers).
- [ ] Retention periods are set for the raw data, the model and the logs.

## Threat and trust model
- [ ] We wrote down who we trust (the server? the other sites? the model's users?).
- [ ] We named the attacks we defend against (membership inference, reconstruction from
      updates, linkage with public data) and those we do not.
- [ ] "Anonymised" data was checked against linkage and reconstruction, not assumed.

## Techniques and settings
- [ ] Each technique maps to a threat above (DP for what the model reveals, federated
      learning for where data lives, secure aggregation for what the server sees,
      encryption for inputs at inference time).
- [ ] The unit of privacy (one record, one patient, one site) is stated.
- [ ] The privacy budget (epsilon, delta) was fixed before looking at results, and every
      release was charged to one ledger, including tuning runs.
- [ ] Settings are recorded: clipping norm, noise multiplier, rounds, sampling, key sizes.

## Evidence
- [ ] The attacks were run against the released model and their results kept.
- [ ] Accuracy, cost (time, bytes) and privacy were measured, not assumed.
- [ ] The record of processing was generated from the ledger, not typed by hand.

## Impact and review
- [ ] We checked whether a data-protection impact assessment is required, and did it if so.
- [ ] People affected can find out what is processed and why (transparency).
- [ ] A date is set to review this again, and someone owns it.
"""


def review_checklist() -> str:
    """A privacy review checklist in Markdown, for a team to copy and adapt.

    Examples
    --------
    >>> text = review_checklist()
    >>> text.splitlines()[0], text.count("- [ ]") >= 15
    ('# Privacy review checklist', True)
    """
    return _CHECKLIST
