"""The CARE checklist: every item reported for every case, and computed from the case (take data away, and the item
says it is no longer covered)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
import yaml

from casereport.apps.cli import main
from casereport.data.load import load_case, validate_case
from casereport.derive.care import care_checklist

from .conftest import CASES, SEED, SYNTHETIC

CARE_ITEMS = [
    "title",
    "keywords",
    "abstract",
    "introduction",
    "patient information",
    "clinical findings",
    "timeline",
    "diagnostic assessment",
    "therapeutic intervention",
    "follow-up and outcomes",
    "discussion",
    "patient perspective",
    "informed consent",
]


def _status(case_dir: Path) -> dict[str, str]:
    assert [p for p in validate_case(case_dir) if p.severity == "error"] == []
    return {item.item: item.status for item in care_checklist(load_case(case_dir))}


@pytest.mark.parametrize("name", sorted(CASES))
def test_every_item_is_reported_with_where_or_what_is_missing(name):
    items = care_checklist(load_case(CASES[name]))
    assert [i.item for i in items] == CARE_ITEMS
    assert [i.number for i in items] == list(range(1, 14))
    for item in items:
        assert item.status in ("covered", "partly covered", "not covered")
        if item.status == "covered":
            assert item.where, item
            assert item.missing is None
        else:
            assert item.missing, item


def test_the_timeline_counts_the_events_the_paper_dates():
    case = load_case(CASES[SEED])
    timeline = next(i for i in care_checklist(case) if i.item == "timeline")
    dated = case.events[case.events["date_provenance"] != "illustrative"]
    assert timeline.where[0].startswith(f"events.csv: {len(dated)} events, from ")
    assert len(dated) < len(case.events)  # the end of observation is illustrative, and said apart
    assert "illustrative" in timeline.where[1]


def _header_only(path: Path) -> None:
    with path.open(encoding="utf-8") as handle:
        header = next(csv.reader(handle))
    path.write_text(",".join(header) + "\n", encoding="utf-8")


def _edit_case_yaml(folder: Path, **changes) -> None:
    data = yaml.safe_load((folder / "case.yaml").read_text(encoding="utf-8"))
    data.update(changes)
    (folder / "case.yaml").write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


def _no_regimens(folder: Path) -> None:
    (folder / "regimens.yaml").write_text("[]\n", encoding="utf-8")
    (folder / "statements.yaml").write_text("[]\n", encoding="utf-8")
    _header_only(folder / "mechanisms.csv")


def _no_findings(folder: Path) -> None:
    _header_only(folder / "findings.csv")
    _edit_case_yaml(folder, metastatic_sites=[])


def _no_patient_facts(folder: Path) -> None:
    _edit_case_yaml(folder, patient=[])


def _only_baseline_labs(path: Path) -> None:
    with path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    first = min(row["date"] for row in rows)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(row for row in rows if row["date"] == first)


def _no_follow_up(folder: Path) -> None:
    _header_only(folder / "findings.csv")
    # Labs before treatment stay: they are the diagnostic work-up, not follow-up.
    _only_baseline_labs(folder / "labs.csv")
    _header_only(folder / "adverse_events.csv")
    (folder / "statements.yaml").write_text("[]\n", encoding="utf-8")
    _edit_case_yaml(folder, outcome=[])


def _source_without(*words: str):
    def edit(folder: Path) -> None:
        path = folder / "source.txt"
        text = path.read_text(encoding="utf-8")
        for word in words:
            assert word in text
            text = text.replace(word, "")
        path.write_text(text, encoding="utf-8")

    return edit


def _no_source_text(folder: Path) -> None:
    # Quotes cannot be checked without the paper's text; the case then says so, and so does the checklist.
    _edit_case_yaml(
        folder,
        source={k: v for k, v in yaml.safe_load((folder / "case.yaml").read_text())["source"].items() if k != "text"},
    )
    (folder / "source.txt").unlink()


@pytest.mark.parametrize(
    ("name", "take_away", "item"),
    [
        (SEED, _no_regimens, "therapeutic intervention"),
        (SYNTHETIC, _no_findings, "clinical findings"),
        (SYNTHETIC, _no_patient_facts, "patient information"),
        (SYNTHETIC, _no_follow_up, "follow-up and outcomes"),
        (SEED, _source_without(" Abstract "), "abstract"),
        (SEED, _source_without("informed consent"), "informed consent"),
        (SEED, _source_without(" Discussion "), "discussion"),
        (SEED, _no_source_text, "introduction"),
    ],
    ids=lambda v: getattr(v, "__name__", v),
)
def test_taking_the_data_away_makes_the_item_not_covered(editable_case, name, take_away, item):
    folder = editable_case(name)
    before = _status(folder)[item]
    assert before == "covered"
    take_away(folder)
    after = _status(folder)
    assert after[item] == ("partly covered" if item == "discussion" else "not covered")
    changed = {k for k in CARE_ITEMS if after[k] != _status(CASES[name])[k]}
    assert item in changed


def test_the_command_line_lists_every_item_and_gives_json(capsys):
    assert main(["care", str(CASES[SEED])]) == 0
    text = capsys.readouterr().out
    for number, item in enumerate(CARE_ITEMS, start=1):
        assert f"{number:2}. {item}: " in text
    assert main(["care", str(CASES[SYNTHETIC]), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["case_id"] == SYNTHETIC
    assert [i["item"] for i in data["items"]] == CARE_ITEMS
    assert {"number", "item", "asks", "status", "where", "missing"} == set(data["items"][0])


def test_an_invalid_case_is_refused(editable_case, capsys):
    folder = editable_case(SYNTHETIC)
    (folder / "events.csv").unlink()
    assert main(["care", str(folder)]) == 2
    assert "events.csv" in capsys.readouterr().err
