"""docker-compose.yml and the Dockerfile describe the production topology (no Docker needed)."""

import fnmatch
import json
import os
import re
import shlex
import subprocess
import sys
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


def test_beat_runs_celery_beat_under_the_lock(services):
    # run_beat runs `celery -A cloudroute beat` while it holds the advisory lock
    # (tests/integration/test_run_beat.py).
    assert command(services["beat"])[:3] == ["python", "manage.py", "run_beat"]


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


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the Dockerfile, continuation lines joined."""
    text = re.sub(r"\\\n\s*", " ", (BASE_DIR / "Dockerfile").read_text())
    instructions = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, arguments = line.partition(" ")
            instructions.append((keyword.upper(), arguments.strip()))
    return instructions


def final_stage() -> list[tuple[str, str]]:
    instructions = dockerfile_instructions()
    last_from = max(i for i, (keyword, _) in enumerate(instructions) if keyword == "FROM")
    return instructions[last_from:]


def dockerignored(path: str) -> bool:
    """Whether .dockerignore keeps `path` (relative, a file or a folder) out of the context:
    the last pattern that matches it, or one of its parent folders, decides."""
    patterns = [
        line.strip()
        for line in (BASE_DIR / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.strip().startswith("#")
    ]
    parts = path.strip("/").split("/")
    candidates = ["/".join(parts[: n + 1]) for n in range(len(parts))]
    ignored = False
    for pattern in patterns:
        negated = pattern.startswith("!")
        pattern = pattern.lstrip("!").strip("/")
        pattern = pattern[3:] if pattern.startswith("**/") else pattern
        if any(fnmatch.fnmatchcase(candidate, pattern) for candidate in candidates):
            ignored = not negated
    return ignored


def unescape(value: str) -> str:
    """Compose's own interpolation: `$$` reaches the container as `$`."""
    assert not re.search(r"(?<!\$)\$(?!\$)", value.replace("$$", "")), (
        f"{value!r}: a single $ would be replaced by compose from the host's environment"
    )
    return value.replace("$$", "$")


def healthcheck_test(service: dict) -> list[str]:
    test = service["healthcheck"]["test"]
    if isinstance(test, str):
        return ["CMD-SHELL", test]
    return [str(part) for part in test]


# --- e-mail: a mail catcher, not localhost:25 --------------------------------------------


def test_mailpit_catches_the_mail_and_shows_it_on_a_port(services):
    mailpit = services["mailpit"]
    assert mailpit["image"].startswith("axllent/mailpit:")
    published = [str(port).rsplit(":", 1) for port in mailpit["ports"]]
    assert any(container == "8025" for _, container in published), mailpit["ports"]


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_services_send_mail_to_mailpit(services, name):
    assert environment(services[name])["EMAIL_URL"] == "smtp://mailpit:1025"


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_services_start_after_the_mail_catcher(services, name):
    assert "mailpit" in services[name]["depends_on"]


# --- health checks -------------------------------------------------------------------------


def test_the_worker_answers_a_celery_ping(services):
    test = healthcheck_test(services["worker"])
    assert test[0] == "CMD-SHELL"
    cmd = shlex.split(unescape(test[1]))
    assert cmd[:5] == ["celery", "-A", "cloudroute", "inspect", "ping"]
    # Its own node only (celery@<container hostname>), not "any worker answered".
    assert cmd[cmd.index("-d") + 1] == "celery@$HOSTNAME"
    worker = command(services["worker"])
    assert worker[worker.index("--hostname") + 1] == "celery@%h"


def test_web_health_check_asks_healthz(services):
    assert healthcheck_test(services["web"])[-2:] == ["-m", "cloudroute.healthcheck"]


@pytest.mark.parametrize("name", ["migrate", "beat"])
def test_services_without_the_web_port_turn_the_image_check_off(services, name):
    assert services[name]["healthcheck"] == {"disable": True}


# --- exactly one beat ------------------------------------------------------------------------


def test_exactly_one_beat(services):
    assert services["beat"]["deploy"]["replicas"] == 1
    assert (BASE_DIR / "cloudroute/management/commands/run_beat.py").is_file()
    # Nobody else embeds a beat (celery worker -B).
    for name, service in services.items():
        if name != "beat" and service.get("command"):
            assert not {"-B", "--beat"} & set(command(service)), name


# --- scaling web, pooling ----------------------------------------------------------------


def test_web_publishes_a_port_range_so_it_scales(services):
    (port,) = services["web"]["ports"]
    host, container = str(port).rsplit(":", 1)
    first, _, last = host.rpartition(":")[2].partition("-")
    assert container == "8000"
    assert last and int(last) - int(first) >= 1, f"{port}: one host port blocks --scale web=2"


def test_web_reports_every_gunicorn_workers_metrics_behind_a_token(services):
    """prometheus-client's multiprocess mode needs a directory emptied at each start."""
    web = services["web"]
    env = environment(web)

    assert env["PROMETHEUS_MULTIPROC_DIR"] in web.get("tmpfs", [])
    assert "METRICS_TOKEN" in env


def test_web_pools_its_database_connections(services):
    env = environment(services["web"])
    assert env["DATABASE_POOL"] == "true"
    assert int(env["DATABASE_POOL_MAX_SIZE"]) >= 4  # gunicorn's --threads


def _database_settings(**env: str) -> dict:
    code = (
        "import json; from django.conf import settings; d = settings.DATABASES['default'];"
        "print(json.dumps({'pool': d.get('OPTIONS', {}).get('pool'),"
        " 'max_age': d['CONN_MAX_AGE']}, default=str))"
    )
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DATABASE_")}
    environment.update(env, DJANGO_SETTINGS_MODULE="cloudroute.settings")
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(result.stdout.splitlines()[-1])


def test_it_pools_only_when_asked():
    url = "postgres://cloudroute@127.0.0.1:5432/cloudroute"
    assert _database_settings(DATABASE_URL=url) == {"pool": None, "max_age": 60}

    pooled = _database_settings(DATABASE_URL=url, DATABASE_POOL="true")
    assert pooled["max_age"] == 0  # Django refuses persistent connections with a pool
    assert pooled["pool"]["max_size"] == 4
    assert pooled["pool"]["min_size"] == 1
    # SQLite has no pool to use: the flag changes nothing there.
    assert _database_settings(DATABASE_URL="sqlite:///:memory:", DATABASE_POOL="true") == {
        "pool": None,
        "max_age": 60,
    }


# --- the image -----------------------------------------------------------------------------


def test_the_image_builds_in_two_stages():
    froms = [args for keyword, args in dockerfile_instructions() if keyword == "FROM"]
    assert len(froms) >= 2
    builder = froms[0].split()[-1]
    assert froms[0].split()[-2].upper() == "AS"
    copied_from = [args for keyword, args in final_stage() if keyword == "COPY"]
    assert any(args.startswith(f"--from={builder} ") for args in copied_from)


def test_the_image_installs_the_lock_with_hashes():
    runs = " && ".join(args for keyword, args in dockerfile_instructions() if keyword == "RUN")
    installs = [cmd for cmd in re.split(r"&&|;", runs) if re.search(r"\bpip install\b", cmd)]
    assert installs, "the Dockerfile installs nothing"
    for install in installs:
        words = shlex.split(install)
        assert "--require-hashes" in words, install
        assert words[words.index("-r") + 1].endswith("app.txt"), install
        assert "--upgrade" not in words and "-U" not in words, install
    copies = [args for keyword, args in dockerfile_instructions() if keyword == "COPY"]
    assert any(args.split()[0] == "requirements/app.txt" for args in copies)


def test_the_image_runs_as_a_user_of_its_own():
    users = [args for keyword, args in final_stage() if keyword == "USER"]
    assert users and users[-1].split(":")[0] not in {"root", "0"}


def test_the_image_checks_its_health_on_healthz():
    checks = [args for keyword, args in final_stage() if keyword == "HEALTHCHECK"]
    assert len(checks) == 1
    assert "CMD" in checks[0].split()
    assert '"-m", "cloudroute.healthcheck"' in checks[0]  # /healthz, with an allowed Host


def test_the_image_collects_static_files_at_build_time():
    runs = [args for keyword, args in final_stage() if keyword == "RUN"]
    assert any("collectstatic" in args for args in runs)


@pytest.mark.parametrize(
    "path",
    [".git", ".venv", ".env", "db.sqlite3", "staticfiles", "tests", "core/__pycache__/x.pyc"],
)
def test_the_build_context_leaves_out(path):
    assert (BASE_DIR / ".dockerignore").is_file()
    assert dockerignored(path), f".dockerignore lets {path} into the image"


def test_the_image_gets_every_package_the_project_ships():
    pyproject = tomllib.loads((BASE_DIR / "pyproject.toml").read_text())
    shipped = {
        pattern.rstrip("*")
        for pattern in pyproject["tool"]["setuptools"]["packages"]["find"]["include"]
    }
    assert shipped >= {"core", "cloudroute", "matching"}
    needed = shipped | {"manage.py", "templates", "static"}
    assert not {path for path in needed if dockerignored(path)}
    assert ("COPY", ". .") in final_stage()
    env = " ".join(args for keyword, args in final_stage() if keyword == "ENV")
    assert "PYTHONPATH=/app" in env  # the code runs from /app, not from site-packages
