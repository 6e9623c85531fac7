"""The digest's secrets and addresses: from the environment, else `.streamlit/secrets.toml` (same names).

They are never logged, printed or stored: errors go through `Settings.redact`, which blanks every one.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from connectors.bitrix24.webhook import redact as redact_webhook
from snapshot.secrets_file import SECRETS, SecretsFileError, read_secrets

NAMES = (
    "DOZHIM_NOTIFY_WEBHOOK_URL",
    "DOZHIM_SMTP_HOST",
    "DOZHIM_SMTP_PORT",
    "DOZHIM_SMTP_USER",
    "DOZHIM_SMTP_PASSWORD",
    "DOZHIM_SMTP_FROM",
    "DOZHIM_DASHBOARD_URL",
)


class SettingsError(ValueError):
    """A setting that cannot be used; one line, never the value."""


@dataclass(frozen=True)
class Settings:
    notify_webhook_url: str = field(default="", repr=False)
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_user: str = field(default="", repr=False)
    smtp_password: str = field(default="", repr=False)
    smtp_from: str = ""
    dashboard_url: str = ""

    @property
    def im_configured(self) -> bool:
        return bool(self.notify_webhook_url)

    @property
    def email_configured(self) -> bool:
        return bool(self.smtp_host and self.smtp_from)

    def redact(self, text: str) -> str:
        """`text` with any webhook secret (the connector's redact: `/rest/<id>/<code>/`), this webhook's code
        alone, the SMTP user and password blanked."""
        code = self.notify_webhook_url.rstrip("/").rsplit("/", 1)[-1] if self.notify_webhook_url else ""
        text = redact_webhook(text)
        for secret in sorted(filter(None, [self.smtp_password, self.smtp_user, code]), key=len, reverse=True):
            text = text.replace(secret, "***")
        return " ".join(text.split())


def load_settings(env: dict[str, str] | None = None, secrets: Path = SECRETS) -> Settings:
    env = dict(os.environ) if env is None else env
    try:
        stored = read_secrets(secrets)
    except SecretsFileError as exc:
        raise SettingsError(str(exc)) from None
    values = {name: str(env.get(name) or stored.get(name) or "").strip() for name in NAMES}
    url = values["DOZHIM_NOTIFY_WEBHOOK_URL"]
    if url and not (url.startswith(("http://", "https://")) and "/rest/" in url):
        raise SettingsError(
            "DOZHIM_NOTIFY_WEBHOOK_URL: expected an inbound webhook URL "
            "(https://<portal>/rest/<user>/<code>/)"
        )
    port = values["DOZHIM_SMTP_PORT"] or "25"
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise SettingsError("DOZHIM_SMTP_PORT: expected a port number such as 587")
    return Settings(
        notify_webhook_url=url if not url or url.endswith("/") else url + "/",
        smtp_host=values["DOZHIM_SMTP_HOST"],
        smtp_port=int(port),
        smtp_user=values["DOZHIM_SMTP_USER"],
        smtp_password=values["DOZHIM_SMTP_PASSWORD"],
        smtp_from=values["DOZHIM_SMTP_FROM"],
        dashboard_url=values["DOZHIM_DASHBOARD_URL"],
    )
