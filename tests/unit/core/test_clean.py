"""Loading the clean layer: lazily (a notebook reads the tables it uses) gives the same tables."""

from __future__ import annotations

from polars.testing import assert_frame_equal

from pipelines.clean import LazyTables, load_clean


def test_lazy_load_reads_a_table_on_first_use_and_gives_the_same_frames(small_clean):
    eager = load_clean(small_clean)
    lazy = load_clean(small_clean, lazy=True)
    assert isinstance(lazy.tables, LazyTables)
    assert list(lazy.tables) == list(eager.tables) and lazy.has("uitkeringen")
    assert set(lazy.tables._loaded) == {"levering"}  # the delivery's dates, nothing else yet
    assert_frame_equal(lazy.get("uitkeringen"), eager.get("uitkeringen"))
    assert set(lazy.tables._loaded) == {"levering", "uitkeringen"}
    assert lazy.get("uitkeringen") is lazy.get("uitkeringen")  # read once
    for name, frame in eager.tables.items():
        assert_frame_equal(lazy.tables[name], frame)
    assert (lazy.organisatie, lazy.extractiedatum, lazy.gegevens_vanaf) == (
        eager.organisatie,
        eager.extractiedatum,
        eager.gegevens_vanaf,
    )
