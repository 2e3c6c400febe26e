"""Tekton's environment names for the daemon: `HARMONIA_PORT`, `HARMONIA_HOST`,
`HARMONIA_DATA_DIR`, and where Hermes is (`--hermes`, `HERMES_URL`, `HERMES_HOST`/`TEKTON_HOST`
+ `HERMES_PORT`). A flag wins over the environment; nothing set means no Hermes at all."""

from __future__ import annotations

from pathlib import Path

import pytest
from harmoniad.config import ConfigError, DaemonConfig, config_from_args, hermes_url_from

from harmonia.paths import default_data_dir

NO_ENV: dict[str, str] = {}


def test_harmonia_port_and_host_from_the_environment_and_flags_win() -> None:
    env = {"HARMONIA_PORT": "8107", "HARMONIA_HOST": "::1"}
    config = config_from_args([], env)
    assert (config.host, config.port) == ("::1", 8107)
    config = config_from_args(["--port", "0", "--host", "127.0.0.1"], env)
    assert (config.host, config.port) == ("127.0.0.1", 0)
    assert config_from_args([], NO_ENV).port == 8007
    assert config_from_args([], NO_ENV).host == "127.0.0.1"


def test_a_bad_harmonia_port_names_the_variable() -> None:
    with pytest.raises(ConfigError, match=r"\$HARMONIA_PORT: expected a port number"):
        config_from_args([], {"HARMONIA_PORT": "eighty"})
    with pytest.raises(ConfigError, match=r"\$HARMONIA_PORT: a port is 0..65535"):
        config_from_args([], {"HARMONIA_PORT": "70000"})


def test_an_exposed_harmonia_host_is_refused_and_the_variable_named() -> None:
    # the original Harmonia's default was 0.0.0.0: a Tekton environment may still say so
    with pytest.raises(ConfigError, match=r"refusing to listen on 0\.0\.0\.0.*\$HARMONIA_HOST"):
        config_from_args([], {"HARMONIA_HOST": "0.0.0.0"})


def test_harmonia_data_dir_after_harmonia_home_and_the_flag(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("HARMONIA_HOME")
    monkeypatch.setenv("HARMONIA_DATA_DIR", str(tmp_path / "tekton"))
    assert default_data_dir() == tmp_path / "tekton"
    assert config_from_args([], NO_ENV).data_dir == tmp_path / "tekton"
    assert config_from_args(["--data-dir", str(tmp_path / "flag")], NO_ENV).data_dir == (
        tmp_path / "flag"
    )
    monkeypatch.setenv("HARMONIA_HOME", str(tmp_path / "home"))
    assert default_data_dir() == tmp_path / "home"


@pytest.mark.parametrize(
    ("flag", "env", "url", "source"),
    [
        (None, {}, None, ""),
        ("http://h:1", {"HERMES_URL": "http://u:2"}, "http://h:1", "--hermes"),
        (None, {"HERMES_URL": "http://u:2/", "HERMES_PORT": "3"}, "http://u:2", "$HERMES_URL"),
        (None, {"HERMES_PORT": "8101"}, "http://localhost:8101", "$HERMES_PORT"),
        (None, {"TEKTON_HOST": "t"}, "http://t:8001", "$TEKTON_HOST"),
        (
            None,
            {"HERMES_HOST": "h", "TEKTON_HOST": "t", "HERMES_PORT": "9"},
            "http://h:9",
            "$HERMES_HOST + $TEKTON_HOST + $HERMES_PORT",
        ),
        (None, {"HERMES_HOST": "::1"}, "http://[::1]:8001", "$HERMES_HOST"),
        ("localhost:8001", {}, "http://localhost:8001", "--hermes"),  # as `--component` takes it
        (None, {"HERMES_URL": "", "HERMES_PORT": ""}, None, ""),
    ],
)
def test_where_hermes_is(
    flag: str | None, env: dict[str, str], url: str | None, source: str
) -> None:
    assert hermes_url_from(flag, env) == (url, source)


@pytest.mark.parametrize(
    ("flag", "env", "message"),
    [
        ("https://", {}, r"--hermes: expected an http\(s\)://HOST\[:PORT\] URL"),
        (None, {"HERMES_URL": "ftp://h"}, r"\$HERMES_URL: expected an http"),
        (None, {"HERMES_URL": "http://h:port"}, r"\$HERMES_URL: not a usable URL"),
        (None, {"HERMES_PORT": "x"}, r"\$HERMES_PORT: expected a port number"),
    ],
)
def test_a_bad_hermes_setting_is_a_clear_error(
    flag: str | None, env: dict[str, str], message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        hermes_url_from(flag, env)


def test_the_daemon_config_joins_hermes_unless_told_not_to() -> None:
    config = config_from_args(["--hermes-interval", "0.5"], {"HERMES_PORT": "8001"})
    assert config.hermes_url == "http://localhost:8001"
    assert config.hermes_interval == 0.5 and config.hermes_token_lifetime == 3600
    assert config_from_args(["--no-hermes"], {"HERMES_PORT": "8001"}).hermes_url is None
    assert config_from_args([], NO_ENV).hermes_url is None


@pytest.mark.parametrize(
    "argv",
    [
        ["--hermes-interval", "0"],
        ["--hermes-interval", "inf"],
        ["--hermes-token-lifetime", "-1"],
        ["--hermes", "http://h:1", "--no-hermes"],
    ],
)
def test_bad_hermes_flags_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        config_from_args(argv, NO_ENV)
    assert exited.value.code == 2
    assert "--hermes" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("host", "endpoint"),
    [
        ("127.0.0.1", "http://localhost:8007"),
        ("::1", "http://localhost:8007"),
        ("0.0.0.0", "http://localhost:8007"),
        ("::", "http://localhost:8007"),
        ("192.168.1.5", "http://192.168.1.5:8007"),
        ("fd00::5", "http://[fd00::5]:8007"),
        ("harmonia.lan", "http://harmonia.lan:8007"),
    ],
)
def test_the_endpoint_registered_is_never_a_wildcard(host: str, endpoint: str) -> None:
    assert DaemonConfig(host=host).endpoint(8007) == endpoint
