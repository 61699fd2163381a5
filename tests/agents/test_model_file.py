"""Assembly of a GGUF file from part packages: order, pinned hash, atomic write, stamp."""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path

import pytest

from agents.errors import ModelFileError
from agents.lm.model_file import QWEN_CODER_1_5B, ModelRecipe, assemble_model


def make_parts(tmp_path: Path, chunks: list[bytes], prefix: str) -> tuple[str, ...]:
    names = []
    for i, chunk in enumerate(chunks):
        pkg = tmp_path / "site" / f"{prefix}{i}"
        (pkg / "data").mkdir(parents=True)
        (pkg / "data" / "part.bin").write_bytes(chunk)
        (pkg / "__init__.py").write_text(
            "import os\ndef get_part_path():\n    return os.path.join(os.path.dirname(__file__), 'data', 'part.bin')\n"
        )
        names.append(f"{prefix}{i}")
    sys.path.insert(0, str(tmp_path / "site"))
    return tuple(names)


def test_joins_in_order_and_checks_hash(tmp_path: Path) -> None:
    chunks = [b"GGUF", b"-part-two-", b"three"]
    mods = make_parts(tmp_path, chunks, "fakepart_ok_")
    whole = b"".join(chunks)
    recipe = ModelRecipe("m.gguf", mods, len(whole), hashlib.sha256(whole).hexdigest())
    path = assemble_model(recipe, tmp_path / "models")
    assert path.read_bytes() == whole
    assert (tmp_path / "models" / "m.gguf.sha256").exists()
    assert assemble_model(recipe, tmp_path / "models") == path  # cached: stamp matches
    path.write_bytes(b"tampered!!" + whole[10:])  # same size, different bytes
    os.utime(path, ns=(1, 1))  # and a different mtime, whatever the clock's granularity
    assert assemble_model(recipe, tmp_path / "models").read_bytes() == whole  # rebuilt


def test_hash_mismatch_leaves_no_file(tmp_path: Path) -> None:
    mods = make_parts(tmp_path, [b"abc", b"def"], "fakepart_bad_")
    recipe = ModelRecipe("bad.gguf", mods, 6, "0" * 64)
    with pytest.raises(ModelFileError, match="expected 6 bytes sha256 0000"):
        assemble_model(recipe, tmp_path / "models")
    assert list((tmp_path / "models").iterdir()) == []


def test_missing_part_names_the_package(tmp_path: Path) -> None:
    recipe = ModelRecipe("x.gguf", ("no_such_part_module_1",), 1, "0" * 64)
    with pytest.raises(ModelFileError, match="no-such-part-module-1"):
        assemble_model(recipe, tmp_path)


def test_default_recipe_is_pinned() -> None:
    assert len(QWEN_CODER_1_5B.part_modules) == 22 and QWEN_CODER_1_5B.size == 1_117_320_768
    assert QWEN_CODER_1_5B.sha256 == "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
