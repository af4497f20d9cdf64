"""Damaged copies of the bundled cases, at random: the loader answers every one with a message, never a traceback.

For every damaged copy: ``validate`` ends (pytest-timeout bounds it) with
exit 0 or 1, every problem names a file, and a copy that validates also
draws every figure (as SVG) and builds the dashboard's page. ``make test`` tries a
few dozen copies; ``make fuzz`` (CASEREPORT_FUZZ_EXAMPLES, default 1000)
tries many more. Damage found to crash the loader is kept as a regular test
in ``test_robustness.py``.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest
import vl_convert as vlc
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import casereport
from casereport.apps.cli import main
from casereport.apps.figures import figure_factories
from casereport.charts import print_spec

from .conftest import CASES

EXAMPLES = int(os.environ.get("CASEREPORT_FUZZ_EXAMPLES", "25"))
FILES = [
    "case.yaml",
    "events.csv",
    "regimens.yaml",
    "analytes.csv",
    "labs.csv",
    "findings.csv",
    "adverse_events.csv",
    "statements.yaml",
    "mechanisms.csv",
    "source.txt",
]
# Values a careless or hostile author might put in a cell.
CELLS = st.sampled_from(
    [
        "",
        "0",
        "-1",
        "1e308",
        "inf",
        "NaN",
        "-0",
        "99999999999",
        "2009-02-30",
        "0001-01-01",
        "9999-12-31",
        "2030-01",
        "+99999999999w",
        "-6w",
        "+0d",
        "../../etc/passwd",
        "<script>alert(1)</script>",
        '"',
        "a,b",
        "\u00e9\u00e8",
        "\u202e",
        "x" * 5000,
        "true",
        "reported",
        "illustrative",
        "sorafenib_start",
        "nothing_by_this_name",
    ]
)


def _read(path: Path) -> str:
    # Earlier damage may have left bytes that are not UTF-8: keep them as they are.
    return path.read_text(encoding="utf-8", errors="surrogateescape")


def _write(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8", errors="surrogateescape")


def _damage_csv(path: Path, data: st.DataObject) -> None:
    lines = _read(path).splitlines()
    if len(lines) < 2:
        return
    row = data.draw(st.integers(1, len(lines) - 1), label="row")
    cells = lines[row].split(",")
    column = data.draw(st.integers(0, len(cells) - 1), label="column")
    cells[column] = data.draw(CELLS, label="value")
    lines[row] = ",".join(cells)
    _write(path, "\n".join(lines) + "\n")


def _damage_yaml(path: Path, data: st.DataObject) -> None:
    lines = _read(path).splitlines()
    candidates = [i for i, line in enumerate(lines) if ": " in line and not line.lstrip().startswith("#")]
    if not candidates:
        return
    number = data.draw(st.sampled_from(candidates), label="line")
    key = lines[number].split(": ", 1)[0]
    lines[number] = f"{key}: {data.draw(CELLS, label='value')}"
    _write(path, "\n".join(lines) + "\n")


def _damage(case_dir: Path, data: st.DataObject, outside: Path) -> str:
    name = data.draw(st.sampled_from(FILES), label="file")
    path = case_dir / name
    if path.is_symlink() or not path.is_file():  # gone or linked by earlier damage
        return f"nothing more to {name}"
    how = data.draw(
        st.sampled_from(["cell", "bytes", "truncate", "delete", "empty", "encoding", "link", "duplicate", "extra"]),
        label="damage",
    )
    if how == "cell":
        (_damage_yaml if name.endswith(".yaml") else _damage_csv)(path, data)
    elif how == "bytes" and path.stat().st_size:
        content = bytearray(path.read_bytes())
        for _ in range(data.draw(st.integers(1, 5), label="flips")):
            at = data.draw(st.integers(0, len(content) - 1), label="at")
            content[at] = data.draw(st.integers(0, 255), label="byte")
        path.write_bytes(bytes(content))
    elif how == "truncate":
        content = path.read_bytes()
        path.write_bytes(content[: data.draw(st.integers(0, len(content)), label="length")])
    elif how == "delete":
        path.unlink()
    elif how == "empty":
        path.write_bytes(b"")
    elif how == "encoding":
        encoding = data.draw(st.sampled_from(["utf-16", "latin-1"]), label="encoding")
        path.write_bytes(_read(path).encode(encoding, errors="replace"))
    elif how == "link":
        path.unlink()
        path.symlink_to(outside)
    elif how == "duplicate":
        lines = _read(path).splitlines()
        if len(lines) > 1:
            lines.append(lines[-1])
        _write(path, "\n".join(lines) + "\n")
    else:
        (case_dir / "notes.txt").write_text("an author's notes\n", encoding="utf-8")
    return f"{how} {name}"


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    derandomize=False,
)
@given(case=st.sampled_from(sorted(CASES)), data=st.data())
def test_a_damaged_case_gets_messages_never_a_traceback(case, data, capsys):
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        outside = root / "outside.txt"
        outside.write_text("root:x:0:0:root:/root:/bin/bash\n", encoding="utf-8")
        case_dir = root / case
        shutil.copytree(CASES[case], case_dir)
        done = [_damage(case_dir, data, outside) for _ in range(data.draw(st.integers(1, 3), label="damages"))]
        problems = casereport.validate_case(case_dir)
        for problem in problems:
            assert problem.file
            assert problem.reason
            assert "root:x" not in str(problem)
        errors = [p for p in problems if p.severity == "error"]
        for damage in done:
            event(f"{damage.split()[0]}: {'rejected' if errors else 'validated, drawn and served'}")
        assert main(["validate", str(case_dir)]) == (1 if errors else 0)
        capsys.readouterr()
        if errors:
            with pytest.raises(casereport.CaseValidationError):
                casereport.load_case(case_dir)
            return
        loaded = casereport.load_case(case_dir)
        for name, figure in figure_factories(loaded, axis="calendar", width_points=241).items():
            if not isinstance(figure, str):
                assert "<svg" in vlc.vegalite_to_svg(print_spec(figure.draw(241))), name
        from casereport.apps.dashboard import CaseDashboard

        assert CaseDashboard(loaded).widget() is not None


ANYTHING = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
    st.lists(st.text(max_size=10), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)


@settings(max_examples=EXAMPLES * 4, deadline=None)
@given(
    spec=st.sampled_from(["teaching", "figures"]), values=st.dictionaries(st.text(max_size=12), ANYTHING, max_size=4)
)
def test_notebook_parameters_are_used_or_named(spec, values):
    from casereport.apps.parameters import FIGURES, TEACHING, checked
    from casereport.exceptions import ParameterError

    chosen = TEACHING if spec == "teaching" else FIGURES
    refused: ParameterError | None = None
    try:
        result = checked(values, chosen)
    except ParameterError as err:
        refused = err
    if refused is None:
        assert len(result) == len(chosen)
    else:
        assert refused.parameter in values or refused.parameter in chosen


FLAG_VALUES = st.one_of(st.text(max_size=20), st.sampled_from(["-1", "0", "1e9", "nan", "svg,gif", "relative", "85"]))


@settings(max_examples=EXAMPLES * 4, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    command=st.sampled_from(["validate", "audit", "report", "figures", "dashboard", "slides"]),
    flags=st.lists(
        st.tuples(
            st.sampled_from(["--format", "--axis", "--width-mm", "--dpi", "--port", "--out", "--cycle-reading"]),
            FLAG_VALUES,
        ),
        max_size=3,
    ),
)
def test_the_command_line_answers_odd_arguments_with_a_message(command, flags, capsys, tmp_path_factory):
    """Odd arguments end in usage errors or messages (exit 1 or 2), never a traceback; no server is started."""
    missing = str(tmp_path_factory.mktemp("nothing") / "no-such-case")
    argv = [command, missing]
    for flag, value in flags:
        argv += [flag, value]
    if command == "figures":
        argv = [command, "--case", missing, "--out", str(tmp_path_factory.mktemp("out")), *argv[2:]]
    try:
        code = main(argv)
    except SystemExit as exited:
        code = exited.code
    assert code in (1, 2), argv
    assert "Traceback" not in capsys.readouterr().err
