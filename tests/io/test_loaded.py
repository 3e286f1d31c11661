"""What a loaded profile carries of its file is read with it, once: a later edit of the file changes nothing."""

from __future__ import annotations

import hashlib
from pathlib import Path

from stress.io.profiles import load_profile

ROOT = Path(__file__).resolve().parents[2]


def test_hash_and_comments_are_of_the_bytes_loaded_even_after_the_file_changes(tmp_path: Path) -> None:
    original = (ROOT / "tests" / "fixtures" / "tiny.yaml").read_bytes()
    path = tmp_path / "tiny.yaml"
    path.write_bytes(original.replace(b"  cash: 100m", b"  cash: 100m   # the 10-Q's cash line"))
    loaded_bytes = path.read_bytes()
    loaded = load_profile(path)
    path.write_bytes(original)  # edited (or deleted) while the run goes on
    assert loaded.sha256 == hashlib.sha256(loaded_bytes).hexdigest() != hashlib.sha256(original).hexdigest()
    assert loaded.comments["opening.cash"] == "the 10-Q's cash line"
    path.unlink()
    assert loaded.sha256 == hashlib.sha256(loaded_bytes).hexdigest()


def test_the_hash_is_of_the_file_not_of_the_overrides(tmp_path: Path) -> None:
    path = ROOT / "tests" / "fixtures" / "tiny.yaml"
    plain, overridden = load_profile(path), load_profile(path, ["opening.cash=90m"])
    assert plain.sha256 == overridden.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert overridden.company.opening.cash == 90e6
