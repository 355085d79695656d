"""``python -m tools.mutation``'s verdict: what counts in the score (the sample, kills, equivalent
mutants apart) and when the target is met; the list of equivalents in pyproject stays true."""

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from tools.mutation.__main__ import OUT_OF_SAMPLE, equivalents, report  # noqa: E402


def module(killed: int, survived: int, prefix: str, extra: dict | None = None) -> dict:
    codes = {f"{prefix}.k__mutmut_{i}": 1 for i in range(killed)}  # mutmut's names and exit codes
    codes.update({f"{prefix}.s__mutmut_{i}": 0 for i in range(survived)})
    codes.update(extra or {})
    return codes


def test_the_target_is_eighty_overall_and_seventy_in_every_module(capsys):
    assert report({"a.py": module(8, 2, "a"), "b.py": module(9, 1, "b")}, False)  # 85 %, lowest 80
    assert not report({"a.py": module(8, 2, "a"), "b.py": module(7, 3, "b")}, False)  # 75 % overall
    assert not report({"a.py": module(19, 1, "a"), "b.py": module(6, 4, "b")}, False)  # 83 %, but b 60
    assert "mutation score 83.3%: does not meet" in capsys.readouterr().out


def test_an_unchecked_mutant_means_no_verdict():
    assert not report({"a.py": module(10, 0, "a", {"a.new__mutmut_1": None})}, False)


def test_equivalent_mutants_are_out_of_the_score_and_a_wrong_entry_is_reported(capsys):
    by_module = {"a.py": module(7, 3, "a")}
    assert not report(by_module, False)  # 70 %
    why = {"a.s__mutmut_0": "x", "a.s__mutmut_1": "y"}
    assert report(by_module, True, equivalent=why)  # 7 of 8
    out = capsys.readouterr()
    assert "a.s__mutmut_0: x" in out.out and "87.5%" in out.out
    report(by_module, False, equivalent={"a.k__mutmut_0": "wrong", "gone": "old"})
    err = capsys.readouterr().err
    assert "a.k__mutmut_0: listed as equivalent, but a test kills it" in err and "gone: no such mutant" in err


def test_only_the_chosen_sample_counts():
    by_module = {"a.py": module(8, 2, "a", {"a.out__mutmut_1": OUT_OF_SAMPLE})}
    assert report(by_module, False)  # 80 %
    # the survivors are outside the sample now: an earlier sample's results do not count
    assert report(by_module, False, sample={f"a.k__mutmut_{i}" for i in range(8)})
    assert not report(by_module, False, sample={"a.s__mutmut_0", "a.s__mutmut_1", "a.k__mutmut_0"})


def test_every_equivalent_in_pyproject_has_a_reason():
    table = equivalents()
    assert len(table) >= 20
    assert all(name.startswith("authtrace.") and "__mutmut_" in name and len(why) > 20 for name, why in table.items())


def test_an_equivalent_without_a_reason_is_refused_with_exit_2(tmp_path, monkeypatch, capsys):
    import tools.mutation.__main__ as tool

    (tmp_path / "pyproject.toml").write_text('[tool.authtrace.mutation.equivalent]\n"a.x__mutmut_1" = " "\n')
    monkeypatch.setattr(tool, "ROOT", tmp_path)
    with pytest.raises(SystemExit) as exc:
        tool.equivalents()
    assert exc.value.code == 2 and "a.x__mutmut_1" in capsys.readouterr().err


if __name__ == "__main__":
    sys.exit(pytest.main([__file__]))
