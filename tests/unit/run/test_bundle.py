"""A bundle in two parts: what may be handed out (`publicatie/`) and what stays inside (`intern/`)."""

from __future__ import annotations

import pytest

from pipelines import paths
from pipelines.report.html import PublishError
from pipelines.run import bundle


@pytest.mark.parametrize(
    ("name", "part"),
    [
        ("index.html", "publicatie"),
        ("10_uitstroom.html", "publicatie"),
        ("grafieken/dashboard_uitstroom_pct.svg", "publicatie"),
        ("kpis.xlsx", "publicatie"),
        ("kpis.csv", "intern"),
        ("10_uitstroom.kerncijfers.json", "intern"),
        ("notebooks/10_uitstroom.ipynb", "intern"),
        ("validatie/afwijzingen.csv", "intern"),
        ("01_validatie.html", "intern"),
        ("01_validatie_afwijzingen.png", "intern"),
        ("configuratie.yaml", "intern"),
        ("run.log", "intern"),
        ("cohorten.csv", "intern"),  # a file nobody listed yet is internal
        ("manifest.json", "."),
    ],
)
def test_every_file_has_its_part(name, part):
    assert bundle.placement(name) == part


def test_files_are_placed_and_nothing_published_links_inside(tmp_path):
    for name in (
        "index.html",
        "10_a.html",
        "kpis.csv",
        "notebooks/10_a.ipynb",
        "grafieken/a.svg",
        "manifest.json",
    ):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    bundle.place_files(tmp_path)
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file()) == [
        "intern/kpis.csv",
        "intern/notebooks/10_a.ipynb",
        "manifest.json",
        "publicatie/10_a.html",
        "publicatie/grafieken/a.svg",
        "publicatie/index.html",
    ]
    public = tmp_path / "publicatie"
    (public / "index.html").write_text(
        '<a href="10_a.html">a</a><img src="grafieken/a.svg"><a href="#x">x</a>'
    )
    bundle.check_links(public)
    links = ('<a href="../intern/kpis.csv">', "<A HREF = '../intern/a.csv'>", '<img Src="../intern/x.csv">')
    for link in links:
        (public / "index.html").write_text(f"<p>x</p>{link}kpis.csv</a>")
        with pytest.raises(PublishError, match="intern/"):
            bundle.check_links(public)
    # the inlined chart script is left out, and only that exact script: a link beside it is still found
    script = "var a = '<a href=\"../intern/niet-gescand.csv\">';"
    (public / "index.html").write_text(f"<script>{script}</script><p>x</p>")
    bundle.check_links(public, script)
    with pytest.raises(PublishError, match="intern/"):
        bundle.check_links(public, script.replace("var a", "var b"))
    (public / "index.html").write_text(f"<script>{script}</script><a href='../intern/a.csv'>a</a>")
    with pytest.raises(PublishError, match="intern/a.csv"):
        bundle.check_links(public, script)


def test_manifest_paths_are_never_the_machines_own(tmp_path):
    out = tmp_path / "rapport" / "2024Q3"
    assert bundle.portable_path(str(out / "intern" / "kpis.csv"), out) == "intern/kpis.csv"
    assert bundle.portable_path(str(paths.ROOT / "data_clean" / "x"), out) == "data_clean/x"
    assert bundle.portable_path("/home/jansen/export/leiden", out) == ".../export/leiden"
    assert bundle.portable_path(tmp_path / "clean" / "org" / "2024-10-15", out) == ".../org/2024-10-15"
    assert bundle.portable_path("2024Q3", out) == "2024Q3" and bundle.portable_path(5.0, out) == 5.0
