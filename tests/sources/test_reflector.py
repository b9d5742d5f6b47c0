"""The reflector's list/watch rules, driven with a fake clock (no I/O)."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import replace

import pytest

from dataplane.sources import BackoffPolicy, WatchSettings
from dataplane.sources.kube_resources import CALICO_RESOURCES, KUBERNETES_RESOURCES
from dataplane.sources.reflector import (
    Action,
    Failure,
    KeepReading,
    ListingOp,
    ListPage,
    OpenWatch,
    Reflector,
    State,
    Wait,
)

PODS = KUBERNETES_RESOURCES[2]
CALICO_POLICIES = CALICO_RESOURCES[1]
SETTINGS = WatchSettings(
    page_size=2,
    watch_timeout=300,
    watchdog_timeout=120,
    header_timeout=30,
    idle_timeout=20,
    healthy_watch=10,
    crd_recheck_interval=60,
    down_grace=60,
    watch_list=False,
    backoff=BackoffPolicy(base=0.5, max=30),
)
TOO_LARGE = Failure(504, "504 Timeout: Too large resource version: 1000, current: 7")
GONE = Failure(410, "GET /api/v1/pods: 410 Expired: too old resource version")


def reflector(settings: WatchSettings = SETTINGS, resource=PODS) -> Reflector:  # type: ignore[no-untyped-def]
    return Reflector(resource, settings, random.Random(1))


def params(action: Action) -> dict[str, str]:
    assert isinstance(action, ListPage | OpenWatch), action
    return dict(action.params)


def synced_and_watching(r: Reflector, version: str = "1000", now: float = 0.0) -> None:
    """Start, list in one page at ``version``, open the watch and keep it healthy."""
    first = r.start(now)
    assert isinstance(first, ListPage)
    r.headers(now)
    watch = r.page("", version, now)
    assert isinstance(watch, OpenWatch)
    assert watch.listing is ListingOp.COMMIT
    r.headers(now)
    assert r.state is State.WATCHING


def test_lists_from_the_watch_cache_then_watches_from_the_list_version() -> None:
    r = reflector()
    first = r.start(0.0)
    assert isinstance(first, ListPage) and first.first
    assert params(first) == {
        "limit": "2",
        "resourceVersion": "0",
        "resourceVersionMatch": "NotOlderThan",
    }
    r.headers(0.1)
    second = r.page("token", "", 0.2)
    assert isinstance(second, ListPage) and not second.first
    assert params(second) == {"limit": "2", "continue": "token"}
    watch = r.page("", "42", 0.3)
    assert isinstance(watch, OpenWatch) and watch.listing is ListingOp.COMMIT
    assert params(watch)["resourceVersion"] == "42"
    assert params(watch)["allowWatchBookmarks"] == "true"
    assert 300 <= int(params(watch)["timeoutSeconds"]) <= 600
    assert r.synced and r.state is State.LISTING
    r.headers(0.4)
    assert r.state is State.WATCHING and r.down_for(0.5) == 0.0


# -- fault 1: resourceVersions restarted (etcd restore) --------------------------------------


def test_too_large_resource_version_relists_from_etcd_and_verifies_every_object() -> None:
    r = reflector()
    synced_and_watching(r, "1000")
    retry = r.failed(Failure(None, "connection reset"), 100.0)  # the API server restarts
    assert isinstance(retry, Wait)
    watch = r.woke(100.0 + retry.seconds)
    assert params(watch)["resourceVersion"] == "1000"
    r.headers(101.0)
    relist = r.failed(TOO_LARGE, 101.0)
    assert isinstance(relist, Wait)  # the second failure in a row backs off
    relist = r.woke(101.0 + relist.seconds)
    assert isinstance(relist, ListPage) and relist.first and relist.verify
    assert "resourceVersion" not in params(relist)  # consistent, from etcd
    r.headers(101.1)
    watch = r.page("", "7", 101.2)
    assert isinstance(watch, OpenWatch) and watch.listing is ListingOp.COMMIT
    assert params(watch)["resourceVersion"] == "7"
    assert r.version == "7" and r.stats.relists == 1


def test_a_watch_event_going_back_in_versions_relists_from_etcd() -> None:
    r = reflector()
    synced_and_watching(r, "1000")
    assert r.event("MODIFIED", "1001", 20.0) == KeepReading()
    relist = r.event("MODIFIED", "12", 21.0)
    assert isinstance(relist, ListPage) and relist.verify
    assert "resourceVersion" not in params(relist)
    assert r.version == "1001"


def test_a_cache_list_older_than_asked_relists_from_etcd() -> None:
    r = reflector()
    synced_and_watching(r, "1000")
    r.headers(20.0)
    relist = r.failed(GONE, 20.0)
    assert "resourceVersion" not in params(relist)
    r.headers(20.1)
    r.page("", "1500", 20.2)
    r.headers(20.3)
    r.event("MODIFIED", "1600", 40.0)
    r.malformed()
    cached = r.stream_ended(41.0)
    assert params(cached)["resourceVersion"] == "1600"
    r.headers(41.1)
    again = r.page("", "900", 41.2)  # older than the NotOlderThan floor
    assert isinstance(again, ListPage | Wait)
    if isinstance(again, Wait):
        again = r.woke(41.2 + again.seconds)
    assert isinstance(again, ListPage) and again.verify
    assert "resourceVersion" not in params(again)


# -- fault 2: requests never answered, streams gone silent -----------------------------------


def test_a_watch_never_answered_times_out_on_its_headers_and_backs_off() -> None:
    r = reflector()
    synced_and_watching(r)
    r.stream_ended(400.0)
    assert r.deadline == pytest.approx(400.0 + SETTINGS.header_timeout)
    retry = r.timed_out(r.deadline)
    assert isinstance(retry, Wait) and retry.seconds > 0
    assert "no response headers within 30 s" in str(r.stats.last_error)
    assert r.state is State.BACKOFF
    assert r.down_for(430.0 + 59) < SETTINGS.down_grace < r.down_for(430.0 + 61)
    watch = r.woke(431.0)
    assert isinstance(watch, OpenWatch) and params(watch)["resourceVersion"] == "1000"


def test_a_list_page_never_answered_or_gone_idle_restarts_the_listing() -> None:
    r = reflector()
    r.start(0.0)
    assert r.deadline == 30.0
    retry = r.timed_out(30.0)
    assert isinstance(retry, Wait)
    first = r.woke(31.0)
    assert isinstance(first, ListPage) and first.first
    r.headers(32.0)
    r.progress(33.0)
    assert r.deadline == 33.0 + SETTINGS.idle_timeout
    r.timed_out(r.deadline)
    assert "idle for 20 s" in str(r.stats.last_error)


def test_a_silent_stream_is_restarted_at_once_from_the_last_version() -> None:
    r = reflector()
    synced_and_watching(r)
    r.event("BOOKMARK", "1010", 50.0)
    assert r.deadline == 50.0 + SETTINGS.watchdog_timeout
    restart = r.timed_out(r.deadline)
    assert isinstance(restart, OpenWatch) and params(restart)["resourceVersion"] == "1010"
    assert (r.stats.stalls, r.stats.errors) == (1, 0)


# -- fault 3: relist and reconnect storms ------------------------------------------------------


Answer = Callable[[Reflector, float], Action]


def run_for(r: Reflector, seconds: float, answer: Answer) -> tuple[int, int, list[float]]:
    """Play a server that answers every watch with ``answer``: (lists, watches, waits)."""
    now, lists, watches, waits = 0.0, 0, 0, []
    action = r.start(now)
    while now < seconds:
        if isinstance(action, Wait):
            waits.append(action.seconds)
            now += action.seconds
            action = r.woke(now)
        elif isinstance(action, ListPage):
            lists += 1
            r.headers(now)
            action = r.page("", "100", now)
        else:
            watches += 1
            r.headers(now)
            action = answer(r, now)
    return lists, watches, waits


def test_every_watch_expiring_does_not_relist_in_a_loop() -> None:
    lists, watches, waits = run_for(reflector(), 10.0, lambda r, now: r.failed(GONE, now))
    assert lists <= 6 and watches <= 6  # was: 263 lists in 10 s
    ceilings = [min(30.0, 0.5 * 2**n) for n in range(1, len(waits) + 1)]
    assert all(c / 2 <= w <= c for w, c in zip(waits, ceilings, strict=True))


def test_every_watch_closing_at_once_backs_off_instead_of_reconnecting_in_a_loop() -> None:
    lists, watches, waits = run_for(reflector(), 5.0, lambda r, now: r.stream_ended(now))
    assert lists == 1 and watches <= 5  # was: 11,500 requests in 5 s
    assert waits == sorted(waits) or len(waits) < 3


def test_list_pages_do_not_reset_the_backoff_only_a_watch_that_lasted_does() -> None:
    r = reflector()
    synced_and_watching(r)
    now = 0.0
    for _ in range(4):
        action = r.failed(GONE, now)
        if isinstance(action, Wait):
            now += action.seconds
            action = r.woke(now)
        r.headers(now)
        r.page("", "100", now)  # a successful list
        r.headers(now)
    assert r._backoff.failures == 4
    r.event("BOOKMARK", "101", now + SETTINGS.healthy_watch)
    relist = r.failed(GONE, now + SETTINGS.healthy_watch)
    assert isinstance(relist, ListPage)  # healthy again: the first relist is immediate
    assert r._backoff.failures == 1


def test_a_short_watch_that_ends_normally_is_a_failure_a_long_one_resumes_at_once() -> None:
    r = reflector()
    synced_and_watching(r)
    assert isinstance(r.stream_ended(SETTINGS.healthy_watch + 1), OpenWatch)
    r.headers(20.0)
    assert isinstance(r.stream_ended(21.0), Wait)


# -- fault 4: optional CRDs missing or forbidden -----------------------------------------------


def test_a_forbidden_optional_collection_is_skipped_reported_and_rechecked() -> None:
    r = reflector(resource=CALICO_POLICIES)
    r.start(0.0)
    forbidden = Failure(403, "GET /apis/crd.projectcalico.org/v1/networkpolicies: 403 Forbidden")
    skip = r.failed(forbidden, 0.1)
    assert skip == Wait(SETTINGS.crd_recheck_interval, ListingOp.NONE)
    assert r.synced and r.state is State.FORBIDDEN
    assert r.down_for(1000.0) == 0.0
    assert r.stats.errors == 1 and "403" in str(r.stats.last_error)
    again = r.woke(60.1)
    assert isinstance(again, ListPage) and again.first


def test_an_optional_collection_forbidden_while_watched_is_relisted_and_skipped() -> None:
    r = reflector(resource=CALICO_POLICIES)
    synced_and_watching(r)
    relist = r.failed(Failure(403, "forbidden"), 30.0)
    assert isinstance(relist, ListPage) and relist.first
    assert isinstance(r.failed(Failure(403, "forbidden"), 30.1), Wait)
    assert r.state is State.FORBIDDEN


def test_a_missing_optional_collection_is_empty() -> None:
    r = reflector(resource=CALICO_POLICIES)
    r.start(0.0)
    skip = r.failed(Failure(404, "not found"), 0.1)
    assert skip == Wait(SETTINGS.crd_recheck_interval, ListingOp.CLEAR)
    assert r.synced and r.state is State.ABSENT and r.stats.errors == 0


def test_a_forbidden_required_collection_is_an_error_and_holds_the_sync() -> None:
    r = reflector()
    r.start(0.0)
    retry = r.failed(Failure(403, "forbidden"), 0.1)
    assert isinstance(retry, Wait) and retry.seconds <= 0.5
    assert not r.synced and r.state is State.BACKOFF
    assert r.down_for(61.0) > SETTINGS.down_grace


# -- WatchList -----------------------------------------------------------------------------------


def test_watch_list_streams_the_initial_state_then_commits_at_the_bookmark() -> None:
    r = reflector(replace(SETTINGS, watch_list=True))
    first = r.start(0.0)
    assert isinstance(first, OpenWatch) and first.initial_events
    assert params(first)["sendInitialEvents"] == "true"
    assert params(first)["resourceVersionMatch"] == "NotOlderThan"
    r.headers(0.1)
    assert r.event("ADDED", "50", 0.2) == KeepReading()
    assert r.event("ADDED", "10", 0.3) == KeepReading()  # initial events come in any order
    assert not r.synced
    done = r.event("BOOKMARK", "60", 0.4, initial_end=True)
    assert done == KeepReading(ListingOp.COMMIT)
    assert r.synced and r.version == "60" and r.state is State.WATCHING


def test_watch_list_refused_falls_back_to_paginated_lists() -> None:
    r = reflector(replace(SETTINGS, watch_list=True))
    r.start(0.0)
    fallback = r.failed(Failure(422, "resourceVersionMatch is forbidden for watch"), 0.1)
    assert isinstance(fallback, ListPage) and fallback.first
    assert r.status(0.2)["watch_list"] is False
    assert r.stats.errors == 0


def test_watch_list_ending_before_its_initial_events_retries_the_listing() -> None:
    r = reflector(replace(SETTINGS, watch_list=True))
    r.start(0.0)
    r.headers(0.1)
    r.event("ADDED", "5", 0.2)
    retry = r.stream_ended(0.3)
    assert isinstance(retry, Wait | OpenWatch)
    if isinstance(retry, Wait):
        retry = r.woke(1.0)
    assert isinstance(retry, OpenWatch) and retry.initial_events
