"""The lock (requirements/*.txt, `make lock`) agrees with pyproject.toml, pins every package
with hashes, and is what this venv runs; the Makefile and CI install from it."""

import importlib.util
import re
import tomllib
from pathlib import Path

import pytest
from django.conf import settings
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

BASE_DIR = Path(settings.BASE_DIR)
# requirements/check_installed.py is a script (make install, .ci/run), not a package.
_spec = importlib.util.spec_from_file_location(
    "check_installed", BASE_DIR / "requirements" / "check_installed.py"
)
assert _spec and _spec.loader
check_installed = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(check_installed)
differences, frozen, locked, normalize = (
    check_installed.differences,
    check_installed.frozen,
    check_installed.locked,
    check_installed.normalize,
)

LOCKS = {name: BASE_DIR / "requirements" / f"{name}.txt" for name in ("app", "dev", "bench")}
# Which lock holds which part of pyproject.toml (each lock holds the ones before it too).
PARTS = {
    "app": ["dependencies"],
    "dev": ["dependencies", "dev"],
    "bench": ["dependencies", "dev", "bench"],
}


def pyproject() -> dict:
    return tomllib.loads((BASE_DIR / "pyproject.toml").read_text())


def declared(part: str) -> list[Requirement]:
    project = pyproject()["project"]
    lines = (
        project["dependencies"]
        if part == "dependencies"
        else project["optional-dependencies"][part]
    )
    return [Requirement(line) for line in lines]


def entries(lock: Path) -> dict[str, tuple[str, list[str]]]:
    """{name: (version, hashes)} of every requirement in the lock, whatever its marker."""
    found = {}
    current = None
    for line in lock.read_text().splitlines():
        match = re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)", line)
        if match:
            current = normalize(match[1])
            found[current] = (match[2], [])
        elif current and (hashed := re.match(r"^\s+--hash=(sha256:[0-9a-f]{64})", line)):
            found[current][1].append(hashed[1])
        elif not line.startswith(" "):
            current = None
    return found


@pytest.mark.parametrize("lock", LOCKS)
def test_it_pins_every_pyproject_requirement_at_its_version(lock):
    pins = entries(LOCKS[lock])
    for part in PARTS[lock]:
        for requirement in declared(part):
            name = normalize(requirement.name)
            assert name in pins, f"{requirement} ({part}) is not in {lock}.txt: run make lock"
            version = pins[name][0]
            assert requirement.specifier.contains(version, prereleases=True), (
                f"pyproject says {requirement}, {lock}.txt has {version}: run make lock"
            )


@pytest.mark.parametrize("lock", LOCKS)
def test_it_holds_what_the_extras_bring(lock):
    pins = entries(LOCKS[lock])
    # psycopg[binary,pool] (DATABASE_POOL needs psycopg_pool), celery[redis].
    assert {"psycopg-binary", "psycopg-pool", "redis"} <= set(pins)


@pytest.mark.parametrize("lock", LOCKS)
def test_it_has_a_hash_for_every_package(lock):
    pins = entries(LOCKS[lock])
    assert len(pins) > 40
    assert not [name for name, (_, hashes) in pins.items() if not hashes]


def test_the_locks_agree_on_every_package_they_share():
    app, dev, bench = (entries(LOCKS[name]) for name in ("app", "dev", "bench"))
    assert set(app) <= set(dev) <= set(bench)
    for name, (version, _) in dev.items():
        assert bench[name][0] == version, name
        if name in app:
            assert app[name][0] == version, name


def test_the_app_lock_has_no_dev_tools():
    assert not {"pytest", "ruff", "mypy", "uv", "setuptools"} & set(entries(LOCKS["app"]))


def test_the_locked_setuptools_can_build_the_project():
    """`make install` builds the editable project without isolation, with the lock's
    setuptools: it must satisfy [build-system] requires."""
    (requirement,) = [
        Requirement(line)
        for line in pyproject()["build-system"]["requires"]
        if Requirement(line).name == "setuptools"
    ]
    version = entries(LOCKS["dev"])["setuptools"][0]
    assert requirement.specifier.contains(version)


def test_it_is_locked_for_every_python_the_project_supports():
    requires = SpecifierSet(pyproject()["project"]["requires-python"])
    assert requires.contains("3.12") and requires.contains("3.13")
    # A universal lock (uv --universal --python-version 3.12): markers, not the platform
    # and Python that ran `make lock`, pick what applies, so pytest's Windows-only colorama
    # is there with its marker.
    assert "colorama==0" in LOCKS["dev"].read_text()
    assert "--python-version 3.12" in (BASE_DIR / "Makefile").read_text()
    assert "--universal" in (BASE_DIR / "Makefile").read_text()


def test_this_venv_runs_the_locked_versions():
    """What `make install` put here (check_installed.py compares exactly, in .ci/run); after
    `make bench` the bench lock's packages are here too."""
    installed = frozen()
    expected = locked(LOCKS["dev"])
    problems = [p for p in differences(expected, installed) if not p.startswith("not in")]
    assert not problems, "run make install:\n" + "\n".join(problems)


def test_the_comparison_names_each_difference():
    expected = {"django": "6.0.10", "kombu": "5.7.0"}
    installed = {"django": "6.0.9", "six": "1.17.0"}
    assert differences(expected, installed) == [
        "missing: kombu==5.7.0",
        "wrong version: django==6.0.9 (locked 6.0.10)",
        "not in the lock: six==1.17.0",
    ]


def test_make_install_uses_the_lock_and_leaves_pip_alone():
    makefile = (BASE_DIR / "Makefile").read_text()
    assert "--upgrade pip" not in makefile
    assert re.search(r"^\$\(STAMP\): .*\$\(LOCK_DEV\)", makefile, flags=re.MULTILINE)
    assert "LOCK_DEV := requirements/dev.txt" in makefile
    assert "PIP_INSTALL := $(PY) -m pip install --quiet --require-hashes" in makefile
    assert re.search(r"^lock:", makefile, flags=re.MULTILINE)
    ci = (BASE_DIR / ".ci/run").read_text()
    assert "make install" in ci
    assert "make check-lock" in ci
