"""What the machine gives a process: imports that leave the garbage collector's work frozen."""

from __future__ import annotations

import gc

from pipelines.machine import loading_modules


def test_loading_modules_pauses_the_collector_and_freezes_what_was_loaded():
    frozen = gc.get_freeze_count()
    try:
        with loading_modules():
            assert not gc.isenabled()
            made = [[i] for i in range(1000)]  # a module's worth of objects
        assert gc.isenabled() and gc.get_freeze_count() >= frozen + len(made)
        gc.disable()
        with loading_modules():
            pass
        assert not gc.isenabled()  # a collector the caller had switched off stays off
    finally:
        gc.enable()
        gc.unfreeze()
