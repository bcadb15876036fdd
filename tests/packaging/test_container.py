"""The Docker image and compose file, checked without a Docker engine: the Dockerfile and
docker-compose.yml parsed, the image's healthcheck command run against a loopback server, and the
wheel the image installs built and used (config, migrations, templates from the wheel, not the tree).
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
import shlex
import socket
import subprocess
import sys
import threading
import tomllib
import zipfile
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import import_module
from pathlib import Path
from typing import Any

import click
import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
PACKAGES: list[str] = PYPROJECT["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"]


# -- Dockerfile ----------------------------------------------------------------------------------


def instructions(path: Path = REPO / "Dockerfile") -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) in order; continuation lines joined, comments dropped."""
    found: list[tuple[str, str]] = []
    pending = ""
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        whole = (pending + line).strip()
        pending = ""
        if whole:
            word, _, rest = whole.partition(" ")
            found.append((word.upper(), rest.strip()))
    assert not pending, "the Dockerfile ends inside a continued line"
    return found


def final_stage() -> list[tuple[str, str]]:
    steps = instructions()
    last_from = max(i for i, (word, _) in enumerate(steps) if word == "FROM")
    return steps[last_from:]


def only(word: str, steps: list[tuple[str, str]] | None = None) -> list[str]:
    return [args for w, args in (final_stage() if steps is None else steps) if w == word]


def env_of(steps: list[tuple[str, str]]) -> dict[str, str]:
    """The ENV key=value pairs of these steps."""
    env: dict[str, str] = {}
    for args in only("ENV", steps):
        for pair in shlex.split(args):
            key, _, value = pair.partition("=")
            env[key] = value
    return env


def healthcheck_argv() -> list[str]:
    """The exec-form command of the image's HEALTHCHECK (options such as --interval dropped)."""
    (args,) = only("HEALTHCHECK")
    _, _, command = args.partition("CMD ")
    argv = json.loads(command)
    assert isinstance(argv, list) and all(isinstance(a, str) for a in argv)
    return argv


def test_every_stage_is_slim_python_311() -> None:
    images = [args.split()[0] for args in only("FROM", instructions())]
    assert images and all(image == "python:3.11-slim" for image in images), images


def test_the_image_runs_as_a_user_that_is_not_root() -> None:
    users = only("USER")
    assert users, "no USER in the final stage: the service would run as root"
    assert users[-1].split(":")[0] not in ("root", "0")
    steps = final_stage()
    after_user = steps[[w for w, _ in steps].index("USER") :]
    assert "RUN" not in [w for w, _ in after_user], "RUN after USER: installed as the user?"
    (setup,) = [args for w, args in steps if w == "RUN" and "useradd" in args]
    assert f"chown {users[-1]}" in setup and "/data" in setup, "the user cannot write /data"


def test_data_lives_on_the_data_volume_and_http_listens_on_all_interfaces() -> None:
    env = env_of(final_stage())
    assert env["OIGWATCH_DATA_DIR"] == "/data"
    assert json.loads(only("VOLUME")[0]) == ["/data"]
    assert env["OIGWATCH_SERVICE__HTTP_HOST"] == "0.0.0.0"
    assert env["OIGWATCH_SERVICE__HTTP_PORT"] == "8080"
    assert only("EXPOSE") == ["8080"]


def test_the_image_runs_the_service() -> None:
    assert [json.loads(args) for args in only("CMD")] == [["oigwatch", "run"]]
    assert not only("ENTRYPOINT")


def test_healthcheck_asks_healthz_without_curl() -> None:
    argv = healthcheck_argv()
    assert argv[0] == "python" and argv[-2:] == ["-m", "scheduler.healthcheck"], argv
    assert not {"curl", "wget"} & set(argv)
    from scheduler.healthcheck import default_url

    assert default_url(env_of(final_stage())) == "http://127.0.0.1:8080/healthz"


def _ignored(path: str, patterns: list[str]) -> bool:
    """Whether .dockerignore excludes ``path`` or a folder holding it (no ``!`` rules used)."""
    parts = path.split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    return any(fnmatch.fnmatch(p, pat) for p in prefixes for pat in patterns)


def test_everything_copied_exists_and_is_in_the_build_context() -> None:
    patterns = [
        line.strip().rstrip("/")
        for line in (REPO / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert not [p for p in patterns if p.startswith("!")], "update _ignored for ! rules"
    assert ".env" in patterns and ".git" in patterns and ".venv" in patterns
    copied: list[str] = []
    for args in only("COPY", instructions()):
        words = [w for w in shlex.split(args) if not w.startswith("--")]
        if "--from=" in args:
            continue
        for source in words[:-1]:
            copied.append(source)
            assert (REPO / source).exists(), f"COPY {source}: not in the repository"
            assert not _ignored(source, patterns), f"COPY {source}: excluded by .dockerignore"
    # the wheel is built from pyproject.toml (whose readme is README.md) and its packages
    assert {"pyproject.toml", PYPROJECT["project"]["readme"], *PACKAGES} <= set(copied)


# -- the healthcheck, run as the image runs it ---------------------------------------------------


class Healthz(BaseHTTPRequestHandler):
    status = 200

    def do_GET(self) -> None:
        body = b'{"status": "ok"}' if self.path == "/healthz" else b"not found"
        self.send_response(self.status if self.path == "/healthz" else 404)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def healthz() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Healthz)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        Healthz.status = 200


def run_healthcheck(port: int, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The HEALTHCHECK command with the image's ENV, the port substituted, a dead proxy set."""
    argv = healthcheck_argv()
    env = {**os.environ, **env_of(final_stage())}
    env["OIGWATCH_SERVICE__HTTP_PORT"] = str(port)
    env["http_proxy"] = env["HTTP_PROXY"] = "http://127.0.0.1:9"  # must not be used
    for name in ("no_proxy", "NO_PROXY"):
        env.pop(name, None)
    return subprocess.run(
        [sys.executable, *argv[1:]], cwd=cwd, env=env, capture_output=True, text=True, timeout=60
    )


def test_healthcheck_exits_0_on_200(healthz: ThreadingHTTPServer, tmp_path: Path) -> None:
    done = run_healthcheck(healthz.server_address[1], tmp_path)
    assert done.returncode == 0, done.stderr
    assert "HTTP 200" in done.stdout


def test_healthcheck_exits_1_on_503(healthz: ThreadingHTTPServer, tmp_path: Path) -> None:
    Healthz.status = 503
    done = run_healthcheck(healthz.server_address[1], tmp_path)
    assert done.returncode == 1
    assert "HTTP 503" in done.stderr


def test_healthcheck_exits_1_when_nothing_listens(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # bound, never listening: connections are refused
        done = run_healthcheck(port, tmp_path)
    assert done.returncode == 1
    assert "refused" in done.stderr.lower()


def test_healthcheck_url_argument_and_addresses() -> None:
    from scheduler.healthcheck import default_url, main

    assert default_url({}) == "http://127.0.0.1:8080/healthz"
    assert default_url({"OIGWATCH_SERVICE__HTTP_HOST": "::"}) == "http://127.0.0.1:8080/healthz"
    assert (
        default_url({"OIGWATCH_SERVICE__HTTP_HOST": "::1", "OIGWATCH_SERVICE__HTTP_PORT": "81"})
        == "http://[::1]:81/healthz"
    )
    assert main(["http://127.0.0.1:9/healthz", "extra"]) == 1  # never Docker's reserved 2


# -- docker-compose.yml --------------------------------------------------------------------------

COMPOSE: dict[str, Any] = yaml.safe_load((REPO / "docker-compose.yml").read_text(encoding="utf-8"))
SERVICES: dict[str, Any] = COMPOSE["services"]
REFERENCE = re.compile(r"\$\{([A-Z0-9_]+)(?::?[-?][^}]*)?\}")


def environment(service: str) -> dict[str, str]:
    env = SERVICES[service].get("environment") or {}
    assert isinstance(env, dict), "write environment as a mapping"
    return {key: str(value) for key, value in env.items()}


def test_compose_runs_oigwatch_after_a_healthy_postgres() -> None:
    db, app = SERVICES["db"], SERVICES["oigwatch"]
    assert db["image"].startswith("postgres:")
    test = db["healthcheck"]["test"]
    assert "pg_isready" in (test if isinstance(test, str) else " ".join(test))
    assert app["depends_on"]["db"]["condition"] == "service_healthy"
    assert app["build"] == "." and (REPO / "Dockerfile").is_file()
    assert db["restart"] == app["restart"] == "unless-stopped"
    url = environment("oigwatch")["OIGWATCH_DATABASE_URL"]
    assert url.startswith("postgresql+psycopg://") and "@db:5432/" in url


def test_compose_holds_no_secret_only_references() -> None:
    secretish = re.compile(r"PASSWORD|TOKEN|SECRET|WEBHOOK_URL|API_KEY")
    for name in SERVICES:
        for key, value in environment(name).items():
            if secretish.search(key):
                assert REFERENCE.fullmatch(value), f"{name}.{key} must be ${{VAR}}, not a value"
    userinfo = environment("oigwatch")["OIGWATCH_DATABASE_URL"].split("//", 1)[1].split("@")[0]
    assert ":" not in userinfo, "no password in the database URL (PGPASSWORD carries it)"
    assert environment("oigwatch")["PGPASSWORD"] == environment("db")["POSTGRES_PASSWORD"]
    assert ":?" in environment("db")["POSTGRES_PASSWORD"], "an unset password must stop compose"


def test_compose_publishes_the_web_side_on_loopback_only() -> None:
    assert SERVICES["oigwatch"]["ports"] == ["127.0.0.1:8080:8080"]
    assert "ports" not in SERVICES["db"], "PostgreSQL stays inside the compose network"


def test_compose_keeps_data_and_database_on_named_volumes() -> None:
    declared = set(COMPOSE["volumes"])
    mounts = {
        (m.split(":")[0], m.split(":")[1])
        for name in SERVICES
        for m in SERVICES[name]["volumes"]
        if isinstance(m, str)
    }
    data = {source for source, target in mounts if target == "/data"}
    pgdata = {source for source, target in mounts if target == "/var/lib/postgresql/data"}
    assert data and data <= declared and pgdata and pgdata <= declared


def test_compose_mounts_the_config_read_only_where_oigwatch_config_points() -> None:
    (bind,) = [m for m in SERVICES["oigwatch"]["volumes"] if isinstance(m, dict)]
    assert bind["type"] == "bind" and bind["read_only"] is True
    assert bind["bind"]["create_host_path"] is False
    assert environment("oigwatch")["OIGWATCH_CONFIG"] == bind["target"]


def test_every_variable_compose_reads_is_in_env_example() -> None:
    text = (REPO / "docker-compose.yml").read_text(encoding="utf-8")
    example = (REPO / "config" / "env.example").read_text(encoding="utf-8")
    for name in set(REFERENCE.findall(text)):
        assert re.search(rf"^# {name}=", example, re.M), f"{name}: not in config/env.example"


# -- the console script and the wheel ------------------------------------------------------------


def test_console_script_is_a_click_group_with_run() -> None:
    target = PYPROJECT["project"]["scripts"]["oigwatch"]
    module, _, attribute = target.partition(":")
    main = getattr(import_module(module), attribute)
    assert isinstance(main, click.Group)
    run = main.get_command(click.Context(main), "run")
    assert isinstance(run, click.Command), "no `oigwatch run`: the image's CMD would fail"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--wheel-dir", str(out),
         str(REPO)],
        check=True, timeout=300, capture_output=True,
    )  # fmt: skip
    (built,) = out.glob("oigwatch-*.whl")
    return built


def source_files(folder: str, pattern: str = "*") -> set[str]:
    root = REPO / folder
    return {
        path.relative_to(REPO).as_posix()
        for path in root.rglob(pattern)
        if path.is_file() and "__pycache__" not in path.parts
    }


def test_wheel_holds_the_files_needed_at_run_time(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    needed = {"config/default.toml", "ledger/migrations/env.py",
              "ledger/migrations/script.py.mako", "fixture_site/data/dhs_oig_records.jsonl"}  # fmt: skip
    needed |= source_files("ledger/migrations/versions", "*.py")
    needed |= source_files("notifier/templates")
    needed |= source_files("web/templates") | source_files("web/static")
    assert any(n.startswith("web/templates/") for n in needed)
    assert needed - names == set()
    entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    scripts = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert f"oigwatch = {PYPROJECT['project']['scripts']['oigwatch']}" in scripts


def test_the_wheel_alone_configures_migrates_and_renders(wheel: Path, tmp_path: Path) -> None:
    """From the unpacked wheel (first on sys.path; the source tree is not): settings from its
    default.toml, `oigwatch db upgrade` with its migrations, its templates found."""
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    probe = (
        "import sys, config.settings as s, ledger.db as db, notifier.render.common as r\n"
        "import web as w, pathlib\n"
        "for m in (s, db, r, w): assert m.__file__.startswith(sys.argv[1]), m.__file__\n"
        "assert s.load_settings(environ={}).sources, 'no sources in default.toml'\n"
        "assert sorted(p.name for p in db.MIGRATIONS.glob('versions/*.py'))\n"
        "assert (r.PACKAGE_TEMPLATES / 'slack' / 'event.md.j2').is_file()\n"
        "assert any((pathlib.Path(w.__file__).parent / 'templates').glob('*.html'))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(site)}
    env.pop("OIGWATCH_CONFIG", None)
    done = subprocess.run([sys.executable, "-c", probe, str(site)], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    ledger = f"sqlite:///{tmp_path / 'ledger.db'}"
    done = subprocess.run([sys.executable, "-m", "cli", "db", "upgrade", "--db", ledger],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert (tmp_path / "ledger.db").stat().st_size > 0
