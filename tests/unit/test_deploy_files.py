"""The deployment files say what deploy/README.md promises: every process on the
start scripts, a health check on every service, probes and resources on every pod,
and every environment variable the production settings read documented."""

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())


@pytest.fixture(scope="module")
def k8s() -> dict[tuple[str, str], dict]:
    """Every manifest in deploy/k8s by (kind, name)."""
    documents = {}
    for path in sorted(K8S.glob("*.yaml")):
        for document in yaml.safe_load_all(path.read_text()):
            if document and "metadata" in document:
                documents[(document["kind"], document["metadata"]["name"])] = document
    return documents


def settings_variables() -> set[str]:
    pattern = re.compile(
        r"""\b(?:env|env_bool|env_list)\(\s*"([A-Z][A-Z0-9_]*)"|"""
        r"""os\.environ(?:\.get)?[\[(]\s*"([A-Z][A-Z0-9_]*)\""""
    )
    found = set()
    for name in ("base.py", "production.py"):
        text = (ROOT / "shop" / "settings" / name).read_text()
        found |= {a or b for a, b in pattern.findall(text)}
    return found


def documented_variables() -> set[str]:
    text = (DEPLOY / "env.example").read_text()
    return set(re.findall(r"^#?([A-Z][A-Z0-9_]*)=", text, flags=re.MULTILINE))


# --- compose --------------------------------------------------------------------------
def test_compose_has_the_services_of_a_deployment(compose):
    assert set(compose["services"]) == {
        "web",
        "worker",
        "beat",
        "relay",
        "postgres",
        "redis",
        "proxy",
    }


def test_every_compose_service_has_a_healthcheck(compose):
    for name, service in compose["services"].items():
        test = service.get("healthcheck", {}).get("test")
        assert test and test[0] in {"CMD", "CMD-SHELL"}, name


def test_web_worker_beat_and_relay_run_the_start_scripts(compose):
    services = compose["services"]
    assert services["web"]["command"] == ["deploy/bin/web"]
    assert services["worker"]["command"] == ["deploy/bin/worker"]
    assert services["beat"]["command"] == ["deploy/bin/beat"]
    assert services["relay"]["command"] == ["deploy/bin/relay"]
    for name in ("web", "worker", "beat", "relay"):
        assert services[name]["healthcheck"]["test"] == [
            "CMD",
            "python",
            "deploy/bin/healthcheck.py",
            name,
        ]
        for script in ("web", "worker", "beat", "relay", "healthcheck.py"):
            assert (DEPLOY / "bin" / script).stat().st_mode & 0o111, script


def test_app_services_run_production_on_postgres_and_redis(compose):
    for name in ("web", "worker", "beat", "relay"):
        service = compose["services"][name]
        environment = service["environment"]
        assert environment["DJANGO_SETTINGS_MODULE"] == "shop.settings.production"
        assert environment["DATABASE_URL"].startswith("postgres://")
        assert "@postgres:5432/" in environment["DATABASE_URL"]
        assert environment["REDIS_URL"] == "redis://redis:6379/0"
        assert service["env_file"] == [".env"]
        assert service["depends_on"]["postgres"]["condition"] == "service_healthy"
        assert service["depends_on"]["redis"]["condition"] == "service_healthy"
    # Web processes migrate at start, under the advisory lock; nothing else does.
    services = compose["services"]
    assert services["web"]["environment"]["NONGJIA_MIGRATE_ON_START"] == "1"
    assert "NONGJIA_MIGRATE_ON_START" not in services["worker"]["environment"]
    assert "NONGJIA_MIGRATE_ON_START" not in services["relay"]["environment"]


def test_proxy_serves_static_and_media_in_front_of_web(compose):
    proxy = compose["services"]["proxy"]
    assert proxy["build"]["target"] == "proxy"
    assert proxy["environment"]["NONGJIA_UPSTREAMS"] == "web:8000"
    assert "media:/srv/media:ro" in proxy["volumes"]
    assert proxy["depends_on"]["web"]["condition"] == "service_healthy"
    caddyfile = (DEPLOY / "Caddyfile").read_text()
    assert "handle_path /static/*" in caddyfile
    assert "handle /media/report-exports/* {\n\t\trespond 404" in caddyfile
    assert "header /media/* X-Content-Type-Options nosniff" in caddyfile
    assert "header /static/* X-Content-Type-Options nosniff" in caddyfile


def test_the_image_runs_as_a_non_root_user_with_pinned_dependencies():
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    assert "FROM ${PYTHON_IMAGE} AS app" in dockerfile
    assert "ARG PYTHON_IMAGE=python:3.11-slim" in dockerfile
    assert "--constraint constraints.txt" in dockerfile
    assert "manage.py collectstatic --noinput" in dockerfile
    assert "USER 10001:10001" in dockerfile
    assert dockerfile.rstrip().splitlines()[-1].startswith("COPY --from=app")
    assert 'CMD ["deploy/bin/web"]' in dockerfile


# --- environment ---------------------------------------------------------------------
def test_env_example_documents_every_variable_the_settings_read():
    variables = settings_variables()
    assert {"DJANGO_SECRET_KEY", "DATABASE_URL", "REDIS_URL"} <= variables
    assert variables - documented_variables() == set()


def test_env_example_documents_each_variable_with_a_comment():
    lines = (DEPLOY / "env.example").read_text().splitlines()
    for index, line in enumerate(lines):
        if re.match(r"^[A-Z][A-Z0-9_]*=", line):
            before = lines[index - 1]
            assert before.startswith("#"), f"{line}: no comment above"


def test_env_example_holds_no_secret_values():
    for line in (DEPLOY / "env.example").read_text().splitlines():
        name, _, value = line.partition("=")
        if name in {"DJANGO_SECRET_KEY", "POSTGRES_PASSWORD", "STRIPE_SECRET_KEY"}:
            assert value == "", name


# --- Kubernetes ----------------------------------------------------------------------
def containers(manifest: dict) -> list[dict]:
    return manifest["spec"]["template"]["spec"]["containers"]


def test_k8s_has_separate_deployments_a_migrate_job_and_a_service(k8s):
    assert {
        ("Deployment", "nongjia-web"),
        ("Deployment", "nongjia-worker"),
        ("Deployment", "nongjia-beat"),
        ("Deployment", "nongjia-relay"),
        ("Job", "nongjia-migrate"),
        ("Service", "nongjia-web"),
        ("ConfigMap", "nongjia-config"),
        ("Secret", "nongjia-secrets"),
    } <= set(k8s)
    commands = {
        name: containers(k8s[(kind, name)])[0]["command"]
        for kind, name in k8s
        if kind in {"Deployment", "Job"}
    }
    assert commands == {
        "nongjia-web": ["deploy/bin/web"],
        "nongjia-worker": ["deploy/bin/worker"],
        "nongjia-beat": ["deploy/bin/beat"],
        "nongjia-relay": ["deploy/bin/relay"],
        "nongjia-migrate": ["deploy/bin/migrate"],
    }


def test_k8s_web_is_ready_on_readyz_and_alive_on_healthz(k8s):
    web = containers(k8s[("Deployment", "nongjia-web")])[0]
    assert web["readinessProbe"]["httpGet"]["path"] == "/readyz?optional=redis"
    assert web["livenessProbe"]["httpGet"]["path"] == "/healthz"
    config = k8s[("ConfigMap", "nongjia-config")]["data"]
    # Probes send a Host Django accepts, and web pods leave migrating to the Job.
    for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
        (header,) = web[probe]["httpGet"]["httpHeaders"]
        assert header == {"name": "Host", "value": "localhost"}
    assert "localhost" in config["DJANGO_ALLOWED_HOSTS"].split(",")
    assert config["NONGJIA_MIGRATE_ON_START"] == "0"
    service = k8s[("Service", "nongjia-web")]
    assert (
        service["spec"]["selector"]
        == (k8s[("Deployment", "nongjia-web")]["spec"]["selector"]["matchLabels"])
    )


def test_k8s_every_container_has_resources_probes_and_config(k8s):
    for (kind, name), manifest in k8s.items():
        if kind not in {"Deployment", "Job"}:
            continue
        pod = manifest["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True, name
        for container in pod["containers"]:
            resources = container["resources"]
            assert set(resources["requests"]) == {"cpu", "memory"}, name
            assert set(resources["limits"]) == {"cpu", "memory"}, name
            sources = {next(iter(ref.values()))["name"] for ref in container["envFrom"]}
            assert sources == {"nongjia-config", "nongjia-secrets"}, name
            if kind == "Deployment":
                assert "livenessProbe" in container, name


def test_k8s_runs_exactly_one_beat(k8s):
    beat = k8s[("Deployment", "nongjia-beat")]["spec"]
    assert beat["replicas"] == 1
    assert beat["strategy"]["type"] == "Recreate"


def test_kustomization_lists_every_manifest_but_the_secret_and_the_job():
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    manifests = {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml"}
    assert set(kustomization["resources"]) == manifests - {
        "secret.example.yaml",
        "migrate-job.yaml",
    }
