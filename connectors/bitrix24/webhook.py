"""The incoming-webhook URL: parse it, keep its secret out of every printable form, follow a domain move.

A webhook looks like `https://portal.bitrix24.com/rest/{user_id}/{code}/`. The `code` is a password: it
must never reach a log line, an exception message or a repr. Only `base_url` carries it.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from connectors.bitrix24.errors import ConfigError

# Plain http is only accepted for the local sandbox.
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})

# A Bitrix24 cloud portal: one name under a Bitrix24 cloud zone (b24-xxxxxx.bitrix24.com, acme.bitrix24.ru).
# Only such a portal renamed to another such address is followed (docs: settings/how-to-call-rest-api/
# change-domen.md); the zones are listed, not matched loosely, so `x.bitrix24.com.evil.net` never is.
CLOUD_ZONES = ("ru", "com", "de", "eu", "es", "fr", "it", "pl", "uk", "in", "by", "kz", "ua", "uz", "cn",
               "jp", "tr", "id", "vn", "co", "mx", "com.br", "com.tr")
_CLOUD_HOST = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.bitrix24\.(?:"
                         + "|".join(re.escape(zone) for zone in CLOUD_ZONES) + r")$")

# /rest/<user id>/<code>/ anywhere in a text (URLs inside httpx messages, tracebacks, reprs).
_SECRET_IN_TEXT = re.compile(r"(/rest/\d+/)[^/\s\"'?#<>]+")
_PATH = re.compile(r"^/rest/(?P<user>\d+)/(?P<code>[A-Za-z0-9_-]+)(?:/(?P<method>[^/]*))?/?$")

HOW_TO_FIX = (
    "expected https://<portal>/rest/<user id>/<code>/ "
    "(Bitrix24: Developer resources > Other > Inbound webhook)"
)


def redact(text: str) -> str:
    """Remove any `/rest/<id>/<code>/` secret from arbitrary text."""
    return _SECRET_IN_TEXT.sub(r"\1***", str(text))


class RedactingFilter(logging.Filter):
    """Scrubs webhook secrets from log records (httpx logs every request URL at INFO)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "/rest/" in message:
            record.msg, record.args = redact(message), None
        return True


def install_log_redaction(names: tuple[str, ...] = ("httpx", "httpcore", "httpcore.http11", "httpcore.http2",
                                                     "httpcore.connection", "httpcore.proxy")) -> None:
    """Attach the filter to the HTTP libraries' loggers, once."""
    for name in names:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactingFilter) for f in logger.filters):
            logger.addFilter(RedactingFilter())


@dataclass(frozen=True)
class Webhook:
    """A parsed webhook. `base_url` holds the secret; `portal_url` and `host` are safe to show."""

    scheme: str
    netloc: str  # host[:port]
    user_id: str
    code: str = field(repr=False)

    @property
    def host(self) -> str:
        return urlsplit(f"{self.scheme}://{self.netloc}").hostname or self.netloc

    @property
    def portal_url(self) -> str:
        return f"{self.scheme}://{self.netloc}"

    @property
    def base_url(self) -> str:
        return f"{self.portal_url}/rest/{self.user_id}/{self.code}/"

    def method_url(self, method: str) -> str:
        return self.base_url + method

    def redact(self, text: str) -> str:
        """Like `redact`, and also removes the bare code wherever it shows up."""
        return redact(str(text)).replace(self.code, "***")

    def moved_to(self, location: str) -> Webhook:
        """The same webhook on the host a redirect points to (the path, and so the secret, stay ours).

        The token goes only where the operator sent it: the same host, or a renamed cloud portal (a cloud
        address to another cloud address). Anything else raises PortalMoved naming the new address."""
        try:
            target = urlsplit(location.strip())
            hostname, port = (target.hostname or "").lower(), target.port
        except ValueError:
            raise ConfigError("Bitrix24 redirected to a malformed address; check the webhook URL") from None
        if not target.netloc:  # relative Location: same host
            return self
        scheme = (target.scheme or self.scheme).lower()
        netloc = _netloc(hostname, port)
        shown = f"{scheme}://{netloc}"
        if target.username is not None or target.password is not None or not hostname:
            raise PortalMoved(shown)
        if netloc != self.netloc and not (is_cloud_portal(self.host) and is_cloud_portal(hostname)):
            raise PortalMoved(shown)
        _check_scheme(scheme, hostname)
        return Webhook(scheme, netloc, self.user_id, self.code)

    def __repr__(self) -> str:
        return f"Webhook(portal_url={self.portal_url!r}, user_id={self.user_id!r}, code='***')"

    def __str__(self) -> str:
        return f"{self.portal_url}/rest/{self.user_id}/***/"


class PortalMoved(ConfigError):
    """A redirect to a host the token must not go to: the operator updates the webhook URL."""

    def __init__(self, new_address: str) -> None:
        super().__init__(f"the portal redirects to {new_address}, another host; nothing was sent there. If "
                         f"the portal has moved, update the webhook URL (Bitrix24: Developer resources > "
                         f"Other > Inbound webhook)")
        self.new_address = new_address


def _netloc(hostname: str, port: int | None) -> str:
    host = f"[{hostname}]" if ":" in hostname else hostname  # IPv6
    return host if port is None else f"{host}:{port}"


def is_cloud_portal(hostname: str) -> bool:
    return bool(_CLOUD_HOST.match(hostname.lower().rstrip(".")))


def _check_scheme(scheme: str, hostname: str) -> None:
    if scheme == "https":
        return
    if scheme == "http" and hostname in LOCAL_HOSTS:
        return
    if scheme == "http":
        raise ConfigError(
            "webhook URL must use https:// (plain http is only allowed for the local sandbox)",
            code="INVALID_REQUEST",
        )
    raise ConfigError(f"webhook URL is not an http(s) address; {HOW_TO_FIX}")


def parse_webhook(url: str) -> Webhook:
    """Validate a webhook URL; raise ConfigError with a one-line message that never repeats the secret.

    Accepts a trailing method (`.../profile.json`, as people paste it from the Bitrix24 form) and drops it.
    """
    text = (url or "").strip()
    if not text:
        raise ConfigError(f"no webhook URL given; {HOW_TO_FIX}")
    if "://" not in text:
        raise ConfigError(f"webhook URL has no https:// scheme; {HOW_TO_FIX}")
    try:
        parts = urlsplit(text)
        hostname = parts.hostname or ""
        _ = parts.port  # raises ValueError on a bad port
    except ValueError:
        raise ConfigError(f"webhook URL is malformed; {HOW_TO_FIX}") from None
    if not hostname:
        raise ConfigError(f"webhook URL has no host name; {HOW_TO_FIX}")
    if parts.username is not None or parts.password is not None:
        # refused rather than stripped: a password in it must be removed from wherever it is kept
        raise ConfigError(f"webhook URL for {hostname} carries a user name or password (user:password@); "
                          f"Bitrix24 webhooks take none - remove it; {HOW_TO_FIX}")
    _check_scheme(parts.scheme.lower(), hostname)
    match = _PATH.match(parts.path)
    if not match or (match["method"] and "." not in match["method"]):
        raise ConfigError(f"webhook URL for {hostname} does not end in /rest/<user id>/<code>/; {HOW_TO_FIX}")
    if parts.query or parts.fragment:
        raise ConfigError(f"webhook URL for {hostname} must not carry a query string; {HOW_TO_FIX}")
    netloc = _netloc(hostname.lower(), parts.port)
    return Webhook(parts.scheme.lower(), netloc, match["user"], match["code"])
