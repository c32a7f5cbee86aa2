"""Configuration from the environment, with embedded defaults for one machine."""

import pytest

from webapp import config, create_app


@pytest.fixture()
def clean_env(monkeypatch, tmp_path):
    for name in ("SECRET_KEY", "DATABASE_URL", "SESSION_COOKIE_SECURE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CROWDPICK_INSTANCE_PATH", str(tmp_path / "instance"))
    return tmp_path / "instance"


def test_defaults_use_a_sqlite_file_under_instance(clean_env):
    settings = config.from_environment()
    assert settings["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{clean_env / 'crowdpick.sqlite3'}"


def test_secret_key_is_generated_once_and_kept(clean_env):
    first = config.from_environment()["SECRET_KEY"]
    second = config.from_environment()["SECRET_KEY"]
    assert first == second and len(first) == 64
    assert (clean_env / "secret_key").read_text() == first
    assert (clean_env / "secret_key").stat().st_mode & 0o077 == 0


def test_secret_key_from_environment_wins_and_writes_nothing(clean_env, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "from-env")
    assert config.from_environment()["SECRET_KEY"] == "from-env"
    assert not (clean_env / "secret_key").exists()


@pytest.mark.parametrize(
    "given",
    ["postgres://u@h/db", "postgresql://u@h/db", "postgresql+psycopg2://u@h/db"],
)
def test_postgres_urls_use_psycopg3(clean_env, monkeypatch, given):
    monkeypatch.setenv("DATABASE_URL", given)
    assert config.from_environment()["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@h/db"


def test_secure_cookie_flag(clean_env, monkeypatch):
    assert create_app().config["SESSION_COOKIE_SECURE"] is False
    monkeypatch.setenv("SESSION_COOKIE_SECURE", "true")
    app = create_app()
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_env_example_lists_every_variable():
    import re
    from pathlib import Path

    source = Path(config.__file__).read_text()
    used = set(re.findall(r'env\("([A-Z_]+)"\)', source)) | set(
        re.findall(r'os\.environ\.get\("([A-Z_]+)"\)', source)
    )
    example = (Path(config.__file__).parents[1] / ".env.example").read_text()
    listed = set(re.findall(r"^#?\s*([A-Z_]+)=", example, re.MULTILINE))
    assert used <= listed, used - listed
