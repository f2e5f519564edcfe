"""docker-compose.yml and the Dockerfile describe the production topology (no Docker needed)."""

import json
import re
import shlex
import tomllib
from pathlib import Path

import pytest
import yaml
from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)
APP_SERVICES = ("web", "worker", "beat")


@pytest.fixture(scope="module")
def services() -> dict:
    compose = yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())
    return compose["services"]


def command(service: dict) -> list[str]:
    cmd = service.get("command")
    assert cmd, f"no command in {service}"
    return shlex.split(cmd) if isinstance(cmd, str) else [str(part) for part in cmd]


def environment(service: dict) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):  # ["KEY=value", ...]
        env = dict(item.split("=", 1) for item in env)
    return {key: str(value) for key, value in env.items()}


def test_all_services_are_defined(services):
    assert {"postgres", "redis", "web", "worker", "beat"} <= set(services)


def test_web_runs_gunicorn(services):
    cmd = command(services["web"])
    assert cmd[0] == "gunicorn"
    assert "cloudroute.wsgi:application" in cmd


def test_worker_runs_celery_worker(services):
    assert command(services["worker"])[:4] == ["celery", "-A", "cloudroute", "worker"]


def test_beat_runs_celery_beat(services):
    assert command(services["beat"])[:4] == ["celery", "-A", "cloudroute", "beat"]


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_services_use_postgres_redis_and_production_settings(services, name):
    env = environment(services[name])
    assert re.match(r"^postgres(ql)?://[^/]*@postgres(:\d+)?/\w+$", env["DATABASE_URL"]), env
    assert re.match(r"^redis://redis(:\d+)?(/\d+)?$", env["REDIS_URL"]), env
    assert env["DEBUG"].lower() == "false"


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_services_build_the_image(services, name):
    assert services[name].get("build") or services[name].get("image")


def test_dockerfile_cmd_runs_gunicorn():
    dockerfile = BASE_DIR / "Dockerfile"
    assert dockerfile.is_file()
    # Join continuation lines, then take the last CMD (the one that counts).
    text = re.sub(r"\\\n\s*", " ", dockerfile.read_text())
    cmds = [line[4:].strip() for line in text.splitlines() if line.startswith("CMD ")]
    assert cmds, "the Dockerfile has no CMD"
    cmd = cmds[-1]
    cmd = json.loads(cmd) if cmd.startswith("[") else shlex.split(cmd)
    assert cmd[0] == "gunicorn"
    assert "cloudroute.wsgi:application" in cmd


def test_the_image_installs_every_package_the_project_ships():
    """`pip install .` runs before `COPY . .`: each package pyproject.toml ships must be
    copied in first, or the installed project lacks it."""
    pyproject = tomllib.loads((BASE_DIR / "pyproject.toml").read_text())
    shipped = {
        pattern.rstrip("*")
        for pattern in pyproject["tool"]["setuptools"]["packages"]["find"]["include"]
    }
    dockerfile = (BASE_DIR / "Dockerfile").read_text()
    before_install = dockerfile.split("RUN pip install .")[0]
    copied = set(re.findall(r"^COPY (\w+) \./\1$", before_install, flags=re.MULTILINE))
    assert shipped == copied
    assert shipped == {
        "core",
        "workloads",
        "credits",
        "matching",
        "api",
        "portal",
        "founders",
        "cloudroute",
    }
