"""The production start scripts refuse an unsafe environment before starting
anything; the production settings hold the same line; migrations take the
advisory lock (deploy/bin/prestart.py)."""

import importlib.util
import os
import secrets
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
BIN = ROOT / "deploy" / "bin"
SCRIPTS = ["web", "worker", "beat", "relay", "migrate"]
STRONG_KEY = secrets.token_urlsafe(50)


def production_env(**overrides: str | None) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST"))
    }
    env.update(
        PATH=f"{Path(sys.executable).parent}:{env.get('PATH', '')}",
        DJANGO_SETTINGS_MODULE="shop.settings.production",
        DJANGO_SECRET_KEY=STRONG_KEY,
        DJANGO_ALLOWED_HOSTS="shop.example.com",
        # Never reached: every case here is refused before the database.
        DATABASE_URL="postgres://nobody@127.0.0.1:1/none",
        REDIS_URL="",
    )
    for name, value in overrides.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def run(args: list[str], env: dict[str, str], timeout: int = 60):
    return subprocess.run(
        args, env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout
    )


UNSAFE = {
    "debug on": ({"DJANGO_DEBUG": "1"}, "DJANGO_DEBUG='1' turns DEBUG on"),
    "debug true": ({"DJANGO_DEBUG": "True"}, "DJANGO_DEBUG='True' turns DEBUG on"),
    "no secret key": ({"DJANGO_SECRET_KEY": None}, "DJANGO_SECRET_KEY is not set"),
    "empty secret key": ({"DJANGO_SECRET_KEY": ""}, "DJANGO_SECRET_KEY is not set"),
    "short secret key": (
        {"DJANGO_SECRET_KEY": "s3cret-but-short"},
        "DJANGO_SECRET_KEY is weak (16 characters, at least 50 needed)",
    ),
    "repetitive secret key": (
        {"DJANGO_SECRET_KEY": "ab" * 30},
        "DJANGO_SECRET_KEY is weak (fewer than 5 different characters)",
    ),
    "django-insecure key": (
        {"DJANGO_SECRET_KEY": "django-insecure-" + STRONG_KEY},
        "DJANGO_SECRET_KEY is a development key",
    ),
    "other settings": (
        {"DJANGO_SETTINGS_MODULE": "shop.settings.test"},
        "DJANGO_SETTINGS_MODULE is 'shop.settings.test'",
    ),
}


@pytest.mark.parametrize("script", SCRIPTS)
@pytest.mark.parametrize("case", list(UNSAFE))
def test_start_scripts_refuse_an_unsafe_environment(script, case):
    overrides, message = UNSAFE[case]

    result = run([str(BIN / script)], production_env(**overrides), timeout=20)

    assert result.returncode == 78
    assert result.stderr.startswith(f"[{script}] refusing to start: {message}")
    assert result.stderr.count("\n") == 1  # one clear line, no traceback
    assert result.stdout == ""


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"DJANGO_DEBUG": "1"}, "DJANGO_DEBUG must be off"),
        ({"DJANGO_SECRET_KEY": None}, "DJANGO_SECRET_KEY must be set"),
        ({"DJANGO_SECRET_KEY": "x" * 60}, "DJANGO_SECRET_KEY is weak"),
    ],
)
def test_production_settings_refuse_debug_and_weak_keys(overrides, message):
    code = "import django; django.setup()"
    result = run([sys.executable, "-c", code], production_env(**overrides))

    assert result.returncode == 1
    assert f"ImproperlyConfigured: {message}" in result.stderr


def test_production_check_deploy_is_clean():
    result = run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "DEBUG"],
        production_env(DATABASE_URL="", REDIS_URL="redis://127.0.0.1:6379/14"),
    )

    assert result.returncode == 0, result.stderr
    # The one silenced check is axes.W006, which does not apply (shop/settings/base.py).
    assert "System check identified no issues (1 silenced)." in result.stdout


def test_production_redirects_to_https_except_the_probes():
    code = """
import django
django.setup()
from django.test import Client
client = Client(HTTP_HOST="shop.example.com")
print(client.get("/healthz").status_code)
print(client.get("/readyz").status_code)
response = client.get("/catalogue/")
print(response.status_code, response["Location"])
"""
    result = run([sys.executable, "-c", code], production_env(DATABASE_URL=""))

    assert result.returncode == 0, result.stderr
    healthz, readyz, catalogue = result.stdout.splitlines()
    assert healthz == "200"
    assert readyz in {"200", "503"}  # answered, not redirected
    assert catalogue == "301 https://shop.example.com/catalogue/"


@pytest.mark.postgres
def test_migrate_waits_for_the_advisory_lock(db):
    """A second migrate waits while another process holds the lock, then finds
    nothing to do."""
    spec = importlib.util.spec_from_file_location("prestart", BIN / "prestart.py")
    prestart = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(prestart)
    db_settings = connection.settings_dict
    url = (
        f"postgres://{db_settings['USER']}@{db_settings['HOST']}:"
        f"{db_settings['PORT']}/{db_settings['NAME']}"
    )
    env = production_env(DATABASE_URL=url, REDIS_URL=os.environ.get("REDIS_URL", ""))
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [prestart.MIGRATE_LOCK_KEY])
    process = subprocess.Popen(
        [str(BIN / "migrate")],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        time.sleep(8)
        still_waiting = process.poll() is None
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [prestart.MIGRATE_LOCK_KEY])
    output, _ = process.communicate(timeout=120)

    assert still_waiting, output
    assert process.returncode == 0, output
    assert "another process is migrating; waiting for its lock" in output
    assert "No migrations to apply." in output
    assert output.index("waiting for its lock") < output.index("lock taken")
