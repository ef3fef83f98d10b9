"""Tests of ppml_lab.governance: the record's numbers come from a real ledger."""

import json

import pytest

from ppml_lab.dp import BudgetAccountant
from ppml_lab.governance import (LEGAL_BASIS_PLACEHOLDER, ProcessingRecord, processing_record,
                                 review_checklist)

SETTINGS = dict(purpose="predict tumour malignancy across hospitals",
                data_categories=["tumour measurements", "diagnosis"],
                recipients=["participating hospitals", "model users"],
                retention="training data stays at each hospital; model kept 2 years",
                techniques={"federated learning": {"hospitals": 5, "rounds": 20},
                            "DP-FedAvg": {"clip_norm": 1.0, "noise_multiplier": 1.1,
                                          "poisson": True, "note": None}})


def _ledger():
    ledger = BudgetAccountant(3.0, 1e-5)
    ledger.spend(1.25, 1e-6, label="DP-FedAvg, 20 rounds")
    ledger.spend(0.5, label="DP mean of tumour size")
    return ledger


def test_numbers_come_from_the_ledger():
    ledger = _ledger()
    rec = processing_record(ledger, **SETTINGS)
    assert rec.epsilon_spent == ledger.spent.epsilon == 1.75
    assert rec.delta_spent == ledger.spent.delta == 1e-6
    assert (rec.epsilon_budget, rec.delta_budget) == (3.0, 1e-5)
    assert rec.entries == (("DP-FedAvg, 20 rounds", 1.25, 1e-6), ("DP mean of tumour size", 0.5, 0.0))
    assert "adding or removing one example" in rec.unit_of_privacy
    # spend more: a new record follows the ledger, the old one is frozen
    ledger.spend(1.0, label="another release")
    rec2 = processing_record(ledger, **SETTINGS)
    assert rec2.epsilon_spent == 2.75 and rec.epsilon_spent == 1.75
    assert len(rec2.entries) == 3


def test_parallel_block_is_charged_as_in_the_ledger():
    ledger = BudgetAccountant(2.0)
    with ledger.parallel(label="per hospital") as block:
        block.spend(0.5, label="A", partition="A")
        block.spend(0.75, label="B", partition="B")
    rec = processing_record(ledger, **SETTINGS)
    assert rec.epsilon_spent == 0.75 == ledger.spent.epsilon
    assert rec.entries == (("per hospital", 0.75, 0.0),)


def test_empty_ledger_and_placeholder():
    rec = processing_record(BudgetAccountant(1.0), **SETTINGS)
    assert rec.epsilon_spent == 0.0 and rec.entries == ()
    assert rec.legal_basis == LEGAL_BASIS_PLACEHOLDER
    assert "No differentially private release" in rec.to_markdown()
    assert processing_record(BudgetAccountant(1.0), legal_basis="decided: see file 7",
                             **SETTINGS).legal_basis == "decided: see file 7"


def test_json_round_trip():
    rec = processing_record(_ledger(), **SETTINGS)
    text = rec.to_json()
    back = ProcessingRecord.from_json(text)
    assert back == rec
    assert back.to_json() == text
    doc = json.loads(text)
    assert doc["privacy"]["spent"] == {"epsilon": 1.75, "delta": 1e-6}
    assert doc["techniques"]["DP-FedAvg"]["poisson"] is True


def test_markdown_contains_the_entries():
    md = processing_record(_ledger(), **SETTINGS).to_markdown()
    for text in ("# Record of processing: predict tumour malignancy across hospitals",
                 "- tumour measurements", "- participating hospitals",
                 LEGAL_BASIS_PLACEHOLDER, "not legal advice",
                 "| 1 | DP-FedAvg, 20 rounds | 1.25 | 1e-06 |",
                 "| 2 | DP mean of tumour size | 0.5 | 0 |",
                 "Spent: epsilon = 1.75, delta = 1e-06",
                 "**DP-FedAvg**: clip_norm = 1.0, noise_multiplier = 1.1",
                 "hospitals = 5"):
        assert text in md, text


@pytest.mark.parametrize("change, name, kind", [
    ({"purpose": ""}, "purpose", ValueError),
    ({"purpose": "a\nb"}, "purpose", ValueError),
    ({"retention": 2}, "retention", TypeError),
    ({"data_categories": "diagnosis"}, "data_categories", TypeError),
    ({"data_categories": []}, "data_categories", ValueError),
    ({"recipients": ["ok", ""]}, "recipients[1]", ValueError),
    ({"techniques": {}}, "techniques", ValueError),
    ({"techniques": ["DP"]}, "techniques", TypeError),
    ({"techniques": {"DP": {"noise": [1, 2]}}}, "techniques['DP']['noise']", TypeError),
    ({"techniques": {"DP": 3}}, "techniques['DP']", TypeError),
    ({"legal_basis": ""}, "legal_basis", ValueError),
])
def test_bad_input_names_the_parameter(change, name, kind):
    with pytest.raises(kind, match=rf"`{__import__('re').escape(name)}`"):
        processing_record(_ledger(), **{**SETTINGS, **change})


def test_bad_accountant_and_open_block():
    with pytest.raises(TypeError, match="`accountant`"):
        processing_record({"epsilon": 1.0}, **SETTINGS)
    ledger = BudgetAccountant(1.0)
    with ledger.parallel(label="open"):
        with pytest.raises(RuntimeError):
            processing_record(ledger, **SETTINGS)


def test_from_json_refuses_other_documents():
    with pytest.raises(ValueError, match="`text`"):
        ProcessingRecord.from_json("{not json")
    with pytest.raises(ValueError, match="`text`"):
        ProcessingRecord.from_json(_ledger().to_json())
    with pytest.raises(TypeError, match="`text`"):
        ProcessingRecord.from_json(b"{}")


def test_unit_of_privacy_can_be_stated():
    rec = processing_record(_ledger(), unit_of_privacy="one hospital (all of its patients)",
                            **SETTINGS)
    assert rec.unit_of_privacy == "one hospital (all of its patients)"
    assert "Unit of privacy: one hospital" in rec.to_markdown()
    assert ProcessingRecord.from_json(rec.to_json()) == rec
    with pytest.raises(ValueError, match="`unit_of_privacy`"):
        processing_record(_ledger(), unit_of_privacy="", **SETTINGS)


def test_markdown_rounds_json_keeps_exact():
    ledger = BudgetAccountant(2.0, 1e-5)
    ledger.spend(1.9985904109127843, 1e-5, label="run")
    rec = processing_record(ledger, **SETTINGS)
    assert "Spent: epsilon = 1.99859, delta = 1e-05" in rec.to_markdown()
    assert json.loads(rec.to_json())["privacy"]["spent"]["epsilon"] == 1.9985904109127843


def test_checklist_is_markdown_to_copy():
    text = review_checklist()
    assert text.startswith("# Privacy review checklist")
    assert text.count("- [ ]") >= 15
    for topic in ("threat", "unit of privacy", "ledger", "impact assessment", "not legal advice"):
        assert topic in text.lower()
