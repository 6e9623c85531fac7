"""`.streamlit/secrets.toml` for the processes outside the app: the connector's webhook, the rules file in
force, the digest's channels. (The app reads the same file through Streamlit's st.secrets.)

One reader, so a broken file gets the same one line wherever it is read; the line names the file and the
kind of fault, never a line of it (the file holds the webhook URL and passwords).
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

SECRETS = Path(".streamlit/secrets.toml")


class SecretsFileError(ValueError):
    """The secrets file exists and cannot be read; str() is the one line to show."""


def read_secrets(path: Path = SECRETS) -> dict[str, Any]:
    """The file's keys; {} when there is no such file."""
    if not path.is_file():
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise SecretsFileError(f"{path}: cannot read ({type(exc).__name__}); fix the file") from None
