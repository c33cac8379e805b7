"""docker-compose.yml describes the production shape; Docker does not run here, so read it."""

import re
from pathlib import Path

import pytest
import yaml
from django.conf import settings

ROOT = Path(settings.BASE_DIR)


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def _command(service):
    command = service["command"]
    return command if isinstance(command, str) else " ".join(command)


def test_it_has_the_production_services(compose):
    assert set(compose["services"]) == {"db", "redis", "web", "worker", "beat"}


def test_its_databases_have_healthchecks_and_volumes(compose):
    db, redis = compose["services"]["db"], compose["services"]["redis"]
    assert db["image"].startswith("postgres:16")
    assert redis["image"].startswith("redis:7")
    for service in (db, redis):
        assert service["healthcheck"]["test"]
        assert service["volumes"]
    assert set(compose["volumes"]) >= {"db-data", "redis-data"}


def test_the_app_services_share_one_image_and_env_file(compose):
    apps = [compose["services"][name] for name in ("web", "worker", "beat")]
    assert len({service["image"] for service in apps}) == 1
    assert all(service["env_file"] == ".env" for service in apps)
    assert all(service["build"] == "." for service in apps)
    assert (ROOT / "Dockerfile").is_file()


def test_web_migrates_and_collects_static_before_gunicorn(compose):
    command = _command(compose["services"]["web"])
    assert command.index("migrate") < command.index("collectstatic") < command.index("gunicorn")
    module, _, attribute = re.search(r"gunicorn (\S+)", command).group(1).partition(":")
    assert (ROOT / (module.replace(".", "/") + ".py")).is_file()
    assert attribute == "application"


def test_worker_and_beat_run_the_project_celery_app(compose):
    worker = _command(compose["services"]["worker"])
    beat = _command(compose["services"]["beat"])
    assert "celery -A callcenter worker" in worker
    assert "--beat" not in worker  # exactly one beat: its own service
    assert "celery -A callcenter beat" in beat
    assert (ROOT / "callcenter" / "celery.py").is_file()


def test_every_variable_it_reads_is_documented(compose):
    text = (ROOT / "docker-compose.yml").read_text()
    example = (ROOT / ".env.example").read_text()
    for variable in set(re.findall(r"\$\{(\w+)", text)):
        assert re.search(rf"^#? ?{variable}=", example, re.M), variable


def test_every_setting_read_from_the_environment_is_documented():
    source = (ROOT / "callcenter" / "settings.py").read_text()
    example = (ROOT / ".env.example").read_text()
    variables = set(re.findall(r'env(?:\.\w+)?\(\s*"(\w+)"', source))
    assert "DATABASE_URL" in variables
    for variable in variables:
        assert re.search(rf"^#? ?{variable}=", example, re.M), variable
