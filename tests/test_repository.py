"""The repository itself: pinned dependencies in step (pip, conda, lock) and nothing stray at the root."""

import tomllib

import yaml

from pipelines.paths import ROOT


def _pyproject_pins() -> dict[str, str]:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    reqs = list(data["project"]["dependencies"])
    for extra in data["project"].get("optional-dependencies", {}).values():
        reqs += extra
    return dict(r.lower().split("==", 1) for r in reqs)


def _environment_pins() -> dict[str, str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d)
    return dict(r.lower().split("==", 1) for r in pip_section if "==" in r)


def test_environment_yml_matches_pyproject():
    assert _environment_pins() == _pyproject_pins()


def test_every_dependency_is_pinned():
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    unpinned = [r for r in data["project"]["dependencies"] if "==" not in r]
    assert unpinned == []


def test_lock_file_agrees_with_pins():
    lock = dict(
        line.lower().replace("_", "-").split("==", 1)
        for line in (ROOT / "requirements.lock").read_text().splitlines()
        if "==" in line
    )
    for name, version in _pyproject_pins().items():
        assert lock.get(name.replace("_", "-")) == version, name


#: What the repository root may hold: the layout of the README, nothing stray (a half copy of a doc).
ROOT_ENTRIES = {
    ".ci",
    ".git",
    ".gitignore",
    ".gitattributes",
    "Makefile",
    "README.md",
    "benchmarks",
    "data_clean",
    "data_raw",
    "docs",
    "environment.yml",
    "expectations",
    "notebooks",
    "pipelines",
    "pyproject.toml",
    "requirements.lock",
    "tests",
}


def test_the_repository_root_holds_only_the_intended_entries():
    import subprocess

    tracked = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    tops = {path.split("/", 1)[0] for path in tracked}
    assert tops <= ROOT_ENTRIES, sorted(tops - ROOT_ENTRIES)


def test_the_supported_python_versions_agree():
    """requires-python, the Makefile's check and the conda environment name the same versions (3.11-3.13)."""
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert data["project"]["requires-python"] == ">=3.11,<3.14"
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "(3, 11) <= sys.version_info[:2] <= (3, 13)" in makefile
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    assert "python>=3.11,<3.14" in env["dependencies"]


def test_lock_lines_with_markers_are_valid_requirements():
    from packaging.requirements import Requirement

    for line in (ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines():
        text = line.split("  #", 1)[0].strip()
        if text and not text.startswith("#"):
            req = Requirement(text)
            assert len(req.specifier) == 1 and next(iter(req.specifier)).operator == "==", line
