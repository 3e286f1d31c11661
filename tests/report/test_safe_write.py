"""Nothing is lost: temporary file then one move; never overwrite without force; an interrupted write leaves nothing."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from stress.errors import ReportError
from stress.report.safe_write import TargetExistsError, write_atomic
from stress.report.workbook import default_report_path, write_report


def writer(text: str):  # noqa: ANN201
    def save(path: Path) -> None:
        path.write_text(text, encoding="utf-8")
    return save


def test_writes_through_a_temporary_file_in_the_target_folder(tmp_path: Path) -> None:
    seen: list[Path] = []

    def save(path: Path) -> None:
        seen.append(path)
        assert not (tmp_path / "out.xlsx").exists()  # the target appears only when complete
        path.write_text("done", encoding="utf-8")

    assert write_atomic(tmp_path / "out.xlsx", save) == tmp_path / "out.xlsx"
    assert seen[0].parent == tmp_path and seen[0].name != "out.xlsx"
    assert (tmp_path / "out.xlsx").read_text(encoding="utf-8") == "done"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.xlsx"]


def test_creates_missing_folders(tmp_path: Path) -> None:
    write_atomic(tmp_path / "a" / "b" / "out.xlsx", writer("x"))
    assert (tmp_path / "a" / "b" / "out.xlsx").read_text(encoding="utf-8") == "x"


def test_never_overwrites_without_force(tmp_path: Path) -> None:
    target = tmp_path / "out.xlsx"
    target.write_text("precious", encoding="utf-8")
    with pytest.raises(TargetExistsError, match="--force"):
        write_atomic(target, writer("new"))
    assert target.read_text(encoding="utf-8") == "precious"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.xlsx"]


def test_force_replaces(tmp_path: Path) -> None:
    target = tmp_path / "out.xlsx"
    target.write_text("old", encoding="utf-8")
    write_atomic(target, writer("new"), force=True)
    assert target.read_text(encoding="utf-8") == "new"


def test_a_target_that_appears_during_the_write_is_not_overwritten(tmp_path: Path) -> None:
    target = tmp_path / "out.xlsx"

    def racing_save(path: Path) -> None:
        target.write_text("someone else's", encoding="utf-8")
        path.write_text("mine", encoding="utf-8")

    with pytest.raises(TargetExistsError):
        write_atomic(target, racing_save)
    assert target.read_text(encoding="utf-8") == "someone else's"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.xlsx"]


@pytest.mark.parametrize("error", [KeyboardInterrupt, RuntimeError])
def test_an_interrupted_write_leaves_no_file(tmp_path: Path, error: type[BaseException]) -> None:
    def dies(path: Path) -> None:
        path.write_text("half a workbo", encoding="utf-8")
        raise error()

    with pytest.raises(error):
        write_atomic(tmp_path / "out.xlsx", dies)
    assert list(tmp_path.iterdir()) == []


def test_an_interrupted_forced_write_keeps_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "out.xlsx"
    target.write_text("old", encoding="utf-8")

    def dies(path: Path) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_atomic(target, dies, force=True)
    assert target.read_text(encoding="utf-8") == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.xlsx"]


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root ignores directory permissions")
def test_an_unwritable_folder_is_a_report_error(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(ReportError, match="cannot write"):
            write_atomic(folder / "out.xlsx", writer("x"))
    finally:
        folder.chmod(0o700)


def test_the_file_gets_ordinary_permissions(tmp_path: Path) -> None:
    write_atomic(tmp_path / "out.xlsx", writer("x"))
    mask = os.umask(0)
    os.umask(mask)
    assert (tmp_path / "out.xlsx").stat().st_mode & 0o777 == 0o666 & ~mask


def test_default_path_is_reports_ticker_as_of_timestamp(results) -> None:  # noqa: ANN001
    path = default_report_path(results.company, dt.datetime(2025, 7, 1, 9, 5, 7))
    assert path == Path("reports") / "TINY-2025-06-30-20250701-090507.xlsx"


def test_write_report_default_name_never_clobbers_a_report_of_the_same_second(results, scenarios, tmp_path: Path,  # noqa: ANN001
                                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    now = dt.datetime(2025, 7, 1, 9, 5, 7)
    first = write_report(results, scenarios, now=now)
    second = write_report(results, scenarios, now=now)
    assert first == Path("reports/TINY-2025-06-30-20250701-090507.xlsx")
    assert second == Path("reports/TINY-2025-06-30-20250701-090507-2.xlsx")
    assert {p.name for p in (tmp_path / "reports").iterdir()} == {first.name, second.name}


def test_write_report_refuses_a_non_xlsx_target(results, tmp_path: Path) -> None:  # noqa: ANN001
    with pytest.raises(ReportError, match=".xlsx"):
        write_report(results, out=tmp_path / "report.pdf")
    assert list(tmp_path.iterdir()) == []


def test_write_report_into_a_folder_uses_the_default_name(results, tmp_path: Path) -> None:  # noqa: ANN001
    path = write_report(results, out=tmp_path, now=dt.datetime(2025, 7, 1, 9, 5, 7))
    assert path == tmp_path / "TINY-2025-06-30-20250701-090507.xlsx"
    assert path.stat().st_size > 0


def test_a_default_name_already_taken_gets_the_next_number(tmp_path: Path) -> None:
    """A file at the default name (and at -2) is kept; the new one goes to -3."""
    from stress.report.safe_write import write_fresh

    base = tmp_path / "CRWV-2025-09-30-19700101-000000.xlsx"
    base.write_text("mine")
    base.with_name(f"{base.stem}-2{base.suffix}").write_text("mine too")
    written = write_fresh(base, lambda tmp: tmp.write_text("new"))
    assert written == base.with_name(f"{base.stem}-3{base.suffix}") and written.read_text() == "new"
    assert base.read_text() == "mine"
