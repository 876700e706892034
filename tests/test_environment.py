"""environment.yml (conda) and pyproject.toml (pip) must list the same pinned dependencies."""

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
