"""The one reader of .streamlit/secrets.toml outside the app, and the one line each process gives for a
broken file: the connector, the rules file in force and the digest say the same, naming no secret."""

from __future__ import annotations

import pytest

from connectors.bitrix24.cli import find_webhook
from connectors.bitrix24.errors import ConfigError
from jobs.digest.settings import SettingsError, load_settings
from snapshot.secrets_file import SecretsFileError, read_secrets

SECRET = "https://a.bitrix24.ru/rest/1/s3cretcode/"
# a value with no closing quote: TOML cannot parse the file, and the line must not quote it back
BROKEN = f'BITRIX24_WEBHOOK_URL = "{SECRET}\nDOZHIM_SMTP_PASSWORD = "hunter2"\n'


def test_no_file_reads_as_no_keys(tmp_path):
    assert read_secrets(tmp_path / "absent.toml") == {}


def test_a_file_reads_as_its_keys(tmp_path):
    path = tmp_path / "secrets.toml"
    path.write_text(f'BITRIX24_WEBHOOK_URL = "{SECRET}"\n[bitrix24]\nwebhook_url = "x"\n', encoding="utf-8")
    assert read_secrets(path) == {"BITRIX24_WEBHOOK_URL": SECRET, "bitrix24": {"webhook_url": "x"}}


def test_a_broken_file_is_the_same_one_line_everywhere_and_names_no_secret(tmp_path, monkeypatch):
    path = tmp_path / "secrets.toml"
    path.write_text(BROKEN, encoding="utf-8")
    line = f"{path}: cannot read (TOMLDecodeError); fix the file"
    with pytest.raises(SecretsFileError) as error:
        read_secrets(path)
    assert str(error.value) == line
    monkeypatch.delenv("BITRIX24_WEBHOOK_URL", raising=False)
    with pytest.raises(ConfigError) as connector:
        find_webhook(None, path)
    with pytest.raises(SettingsError) as digest:
        load_settings(env={}, secrets=path)
    for message in (str(connector.value), str(digest.value)):
        assert message == line and "s3cret" not in message and "hunter2" not in message


def test_a_file_in_another_encoding_is_one_line_not_a_traceback(tmp_path, monkeypatch):
    # saved as cp1251 by a Windows editor: the connector's own reader let UnicodeDecodeError through
    path = tmp_path / "secrets.toml"
    path.write_bytes('# вебхук\nBITRIX24_WEBHOOK_URL = "x"\n'.encode("cp1251"))
    monkeypatch.delenv("BITRIX24_WEBHOOK_URL", raising=False)
    with pytest.raises(ConfigError, match=r"cannot read \(UnicodeDecodeError\); fix the file$"):
        find_webhook(None, path)
