"""Benchmarks of the selector language: parsing (cache misses) and matching."""

from __future__ import annotations

from itertools import count

from pytest_benchmark.fixture import BenchmarkFixture

from dataplane.model import Labels
from dataplane.selector import parse

_TYPICAL = "app == 'web{0}' && tier in {{'front{0}', 'edge'}} && has(team{0})"

_LABELS = Labels(
    {f"example.com/label-{i}": f"value-{i}" for i in range(12)}
    | {"app": "web", "tier": "front", "team": "blue"}
)


def test_parse_typical_selector_cache_miss(benchmark: BenchmarkFixture) -> None:
    serial = count()

    def parse_new() -> object:
        return parse(_TYPICAL.format(next(serial)))

    benchmark(parse_new)


def test_match_three_terms_against_fifteen_labels(benchmark: BenchmarkFixture) -> None:
    selector = parse("app == 'web' && tier in {'front', 'edge'} && has(team)")
    assert len(_LABELS) == 15
    assert benchmark(selector.matches, _LABELS) is True


def test_match_three_terms_rejecting_early(benchmark: BenchmarkFixture) -> None:
    selector = parse("app == 'db' && tier in {'front', 'edge'} && has(team)")
    assert benchmark(selector.matches, _LABELS) is False
