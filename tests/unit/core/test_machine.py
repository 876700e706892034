"""The process's view of the machine: modules loaded for good stay out of the garbage collector's way."""

from __future__ import annotations

import gc

import pytest

from pipelines.machine import collector_paused, loaded_for_good, usable_cores


@pytest.fixture
def collector():
    """The collector's state as the test found it, restored after (the test process goes on)."""
    enabled = gc.isenabled()
    yield
    gc.unfreeze()
    (gc.enable if enabled else gc.disable)()


def test_what_is_loaded_for_good_is_frozen_and_the_collector_comes_back(collector):
    gc.enable()
    gc.unfreeze()
    with loaded_for_good():
        assert not gc.isenabled()  # no collection walks the module while it is being made
        made = [[i] for i in range(1000)]
    assert gc.isenabled()
    assert gc.get_freeze_count() >= len(made)
    walked = {id(o) for o in gc.get_objects()}  # what a collection walks: the frozen are not in it
    assert not any(id(x) in walked for x in made)


def test_a_collector_that_was_off_stays_off(collector):
    gc.disable()
    with loaded_for_good():
        pass
    assert not gc.isenabled()


def test_the_collector_comes_back_when_the_import_fails(collector):
    gc.enable()
    with pytest.raises(ImportError), loaded_for_good():
        import pipelines_bestaat_niet  # noqa: F401
    assert gc.isenabled()


def test_usable_cores_is_at_least_one():
    assert usable_cores() >= 1


def test_a_paused_collector_freezes_nothing(collector):
    gc.enable()
    gc.unfreeze()
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled() and gc.get_freeze_count() == 0
