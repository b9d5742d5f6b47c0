"""Shared benchmark fixtures: cluster sizes from ``BENCH_SCALE`` and cached clusters."""

from __future__ import annotations

import os
from functools import lru_cache
from types import MappingProxyType

import pytest

from bench.generator import Cluster, ClusterShape, generate_cluster, isolated_customers

SCALES = MappingProxyType(
    {
        "small": (1_000,),
        "medium": (10_000,),
        "large": (10_000, 100_000),
    }
)
SHAPES = ("realistic", "isolated")


def bench_sizes(setting: str | None) -> tuple[int, ...]:
    """Cluster sizes (pods) for a ``BENCH_SCALE`` value.

    A comma list of scale names (``small`` 1k, ``medium`` 10k, ``large`` 10k and
    100k) and/or pod counts; unset means ``small``.
    """
    sizes: set[int] = set()
    for part in (setting or "small").split(","):
        name = part.strip().lower()
        if name in SCALES:
            sizes.update(SCALES[name])
        elif name.isdigit():
            sizes.add(int(name))
        else:
            raise pytest.UsageError(
                f"BENCH_SCALE: unknown scale {part!r} (use {', '.join(SCALES)} or pod counts)"
            )
    return tuple(sorted(sizes))


def size_id(pods: int) -> str:
    """``1000`` -> ``1k``."""
    return f"{pods // 1000}k" if pods % 1000 == 0 else str(pods)


@lru_cache(maxsize=4)
def cluster_for(shape: str, pods: int) -> Cluster:
    """The generated cluster of a shape and size (built once per session)."""
    if shape == "isolated":
        return isolated_customers(pods)
    return generate_cluster(ClusterShape.realistic(pods))


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrise ``cluster_pods`` by the selected scale and ``cluster_shape`` by shape."""
    if "cluster_pods" in metafunc.fixturenames:
        sizes = bench_sizes(os.environ.get("BENCH_SCALE"))
        metafunc.parametrize("cluster_pods", sizes, ids=[size_id(n) for n in sizes])
    if "cluster_shape" in metafunc.fixturenames:
        metafunc.parametrize("cluster_shape", SHAPES)
