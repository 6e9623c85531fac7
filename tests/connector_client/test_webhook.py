import pytest

from connectors.bitrix24.errors import ConfigError
from connectors.bitrix24.webhook import PortalMoved, is_cloud_portal, parse_webhook, redact

from .conftest import SECRET, WEBHOOK


def test_parses_a_webhook_and_hides_the_code():
    hook = parse_webhook(WEBHOOK)
    assert hook.base_url == WEBHOOK
    assert hook.portal_url == "https://acme.bitrix24.com"
    assert hook.host == "acme.bitrix24.com"
    assert hook.user_id == "7"
    assert hook.method_url("crm.deal.list") == WEBHOOK + "crm.deal.list"
    for shown in (repr(hook), str(hook), f"{hook}", str([hook])):
        assert SECRET not in shown


@pytest.mark.parametrize("url", [
    f"https://acme.bitrix24.com/rest/7/{SECRET}",  # no trailing slash
    f"  https://ACME.bitrix24.com/rest/7/{SECRET}/  ",
    f"https://acme.bitrix24.com/rest/7/{SECRET}/profile.json",  # pasted with a method
    f"https://acme.bitrix24.com/rest/7/{SECRET}/crm.deal.list",
])
def test_accepts_common_spellings(url):
    assert parse_webhook(url).base_url == WEBHOOK


def test_http_only_for_the_local_sandbox():
    assert parse_webhook(f"http://127.0.0.1:8123/rest/1/{SECRET}/").portal_url == "http://127.0.0.1:8123"
    assert parse_webhook(f"http://localhost:9/rest/1/{SECRET}/").host == "localhost"
    with pytest.raises(ConfigError) as info:
        parse_webhook(f"http://acme.bitrix24.com/rest/7/{SECRET}/")
    assert "https" in info.value.user_message
    assert SECRET not in info.value.user_message


@pytest.mark.parametrize("url", [
    "", "acme.bitrix24.com", f"ftp://acme.bitrix24.com/rest/7/{SECRET}/",
    f"https://acme.bitrix24.com/rest/x/{SECRET}/", "https://acme.bitrix24.com/rest/7/",
    f"https:///rest/7/{SECRET}/", f"https://acme.bitrix24.com/api/7/{SECRET}/",
    f"https://acme.bitrix24.com/rest/7/{SECRET}/?auth=1", f"https://acme.bitrix24.com:99999/rest/7/{SECRET}/",
    f"https://acme.bitrix24.com/rest/7/{SECRET}/notamethod/",
])
def test_rejects_malformed_urls_in_one_line_without_the_secret(url):
    with pytest.raises(ConfigError) as info:
        parse_webhook(url)
    error = info.value
    assert error.exit_code == 78
    assert "\n" not in error.user_message
    assert SECRET not in error.user_message and SECRET not in str(error)


def test_redact_removes_secrets_from_any_text():
    text = (f"Client error '404' for url 'https://a.b/rest/7/{SECRET}/crm.deal.list?x=1' and "
            f"http://127.0.0.1:80/rest/12/abc-DEF_9/batch")
    cleaned = redact(text)
    assert SECRET not in cleaned and "abc-DEF_9" not in cleaned
    assert "https://a.b/rest/7/***/crm.deal.list" in cleaned
    assert redact("no secret here") == "no secret here"


def test_moved_to_keeps_the_secret_path_and_changes_the_host():
    hook = parse_webhook(WEBHOOK)
    moved = hook.moved_to(f"https://new.bitrix24.ru/rest/7/{SECRET}/crm.deal.list")
    assert moved.base_url == f"https://new.bitrix24.ru/rest/7/{SECRET}/"
    assert hook.moved_to("/rest/7/other/").base_url == WEBHOOK  # relative: same host
    with pytest.raises(ConfigError):
        hook.moved_to("http://evil.example.com/")


@pytest.mark.parametrize("url", [
    f"https://admin:hunter2@acme.bitrix24.com/rest/7/{SECRET}/",
    f"https://admin@acme.bitrix24.com/rest/7/{SECRET}/",
    f"https://:hunter2@acme.bitrix24.com/rest/7/{SECRET}/",
])
def test_a_webhook_with_user_and_password_is_refused_without_repeating_them(url):
    with pytest.raises(ConfigError) as info:
        parse_webhook(url)
    message = info.value.user_message
    assert "user:password@" in message and "acme.bitrix24.com" in message
    assert "hunter2" not in message and "admin" not in message and SECRET not in message
    assert len(message.splitlines()) == 1


@pytest.mark.parametrize("host, cloud", [
    ("b24-x1y2z3.bitrix24.com", True), ("acme.bitrix24.ru", True), ("acme.bitrix24.com.br", True),
    ("ACME.Bitrix24.DE", True), ("bitrix24.com", False), ("a.b.bitrix24.com", False),
    ("acme.bitrix24.com.evil.net", False), ("acme.bitrix24.evil", False), ("crm.acme-corp.ru", False),
])
def test_what_counts_as_a_cloud_portal(host, cloud):
    assert is_cloud_portal(host) is cloud


def test_moved_to_follows_only_a_renamed_cloud_portal():
    hook = parse_webhook(WEBHOOK)
    assert hook.moved_to(f"https://b24-new.bitrix24.de/rest/7/{SECRET}/").host == "b24-new.bitrix24.de"
    for location in ("https://crm.acme.ru/rest/", "https://acme.bitrix24.com.evil.net/",
                     "https://u:p@b24-new.bitrix24.de/"):
        with pytest.raises(PortalMoved):
            hook.moved_to(location)
    box = parse_webhook(f"https://crm.acme.ru:8443/rest/7/{SECRET}/")
    assert box.moved_to(f"https://crm.acme.ru:8443/rest/7/{SECRET}/x") == box
    with pytest.raises(PortalMoved, match="https://crm.acme.ru:9443"):
        box.moved_to("https://crm.acme.ru:9443/rest/")
