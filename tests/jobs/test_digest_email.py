"""The digest by e-mail, into a local SMTP sink (standard library socketserver: no aiosmtpd needed)."""

from __future__ import annotations

import email
import socketserver
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from email.message import Message as MailMessage
from email.policy import default

import duckdb
import pytest

from jobs.digest.run import Options, run_digest
from jobs.digest.settings import Settings
from queries.digest_log import list_digests
from queries.rules import DigestRules, Rules
from tests.jobs.test_digest import _no_leads, build_digest_db  # noqa: F401 - autouse: deals only
from tests.queries.fixture_db import AS_OF


@dataclass
class Sink:
    """What the SMTP server received; `refuse` lists recipient addresses it answers 550 for."""

    messages: list[MailMessage] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)
    logins: int = 0


class SmtpHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP (RFC 5321) for smtplib: EHLO, AUTH PLAIN, MAIL, RCPT, DATA, RSET, NOOP, QUIT."""

    sink: Sink

    def reply(self, line: str) -> None:
        self.wfile.write(f"{line}\r\n".encode())

    def handle(self) -> None:
        self.reply("220 sink ESMTP")
        rcpt: list[str] = []
        while line := self.rfile.readline():
            verb = line.decode().strip().split(" ", 1)[0].upper()
            arg = line.decode().strip()[len(verb):].strip()
            if verb == "EHLO":
                self.reply("250-sink")
                self.reply("250 AUTH PLAIN")
            elif verb == "AUTH":
                self.sink.logins += 1
                self.reply("235 ok")
            elif verb == "MAIL":
                rcpt = []
                self.reply("250 ok")
            elif verb == "RCPT":
                address = arg.split(":", 1)[1].strip("<> ")
                if address in self.sink.refuse:
                    self.reply("550 no such mailbox")
                else:
                    rcpt.append(address)
                    self.reply("250 ok")
            elif verb == "DATA":
                self.reply("354 go on")
                data = b""
                while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                    data += chunk[1:] if chunk.startswith(b"..") else chunk
                self.sink.messages.append(email.message_from_bytes(data, policy=default))
                self.reply("250 queued")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:  # RSET, NOOP, HELO
                self.reply("250 ok")


@pytest.fixture
def sink() -> Iterator[tuple[Sink, int]]:
    received = Sink()
    handler = type("Handler", (SmtpHandler,), {"sink": received})
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield received, server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


EMAIL_RULES = replace(Rules(), digest=DigestRules(email=True))


def settings_for(port: int, password: str = "") -> Settings:
    return Settings(smtp_host="127.0.0.1", smtp_port=port, smtp_from="dozhim@example.test",
                    smtp_user="dozhim" if password else "", smtp_password=password,
                    dashboard_url="https://dozhim.example.test/")


def test_each_person_with_an_address_gets_html_with_a_plain_alternative_and_a_russian_subject(tmp_path, sink):
    received, port = sink
    db = build_digest_db(tmp_path / "crm.duckdb")
    outcome = run_digest(Options(db, AS_OF), EMAIL_RULES, settings_for(port, "s3cret-pass"))
    assert outcome.failed == 0 and received.logins == 1
    by_to = {m["To"]: m for m in received.messages}
    # Anna, Boris, Galina have addresses; Dmitry (6) too: every recipient of the fixture
    assert sorted(by_to) == ["anna@example.test", "boris@example.test", "dmitry@example.test",
                             "galina@example.test"]
    anna = by_to["anna@example.test"]
    assert anna["Subject"] == "Дожим, 20 ноября: 5 дел на сегодня"
    assert anna.get_content_type() == "multipart/alternative"
    plain = anna.get_body(("plain",)).get_content()
    html = anna.get_body(("html",)).get_content()
    assert "Midnight <https://fixture.bitrix24.ru/crm/deal/details/105/>" in plain
    assert '<a href="https://fixture.bitrix24.ru/crm/deal/details/105/">Midnight</a>' in html
    assert "Incoming calls" not in plain  # Boris's deal
    assert by_to["galina@example.test"]["Subject"] == "Дожим, 20 ноября: команда — 19 нарушений"
    log = list_digests(db)
    assert set(log["channel"]) == {"email"} and set(log["status"]) == {"sent"}
    assert not log["error"].astype(str).str.contains("s3cret").any()


def test_a_refused_address_fails_alone_and_a_person_without_an_address_is_skipped(tmp_path, sink):
    received, port = sink
    received.refuse.add("boris@example.test")
    db = build_digest_db(tmp_path / "crm.duckdb")
    con = duckdb.connect(str(db))
    con.execute("update users set email = null where id = 6")
    con.close()
    outcome = run_digest(Options(db, AS_OF), EMAIL_RULES, settings_for(port))
    assert sorted(m["To"] for m in received.messages) == ["anna@example.test", "galina@example.test"]
    log = list_digests(db).set_index("recipient_id")
    assert log.loc[2, "status"] == "failed" and "550" in log.loc[2, "error"]
    assert log.loc[6, "status"] == "skipped" and log.loc[6, "error"] == "no e-mail address in Bitrix24"
    assert outcome.failed == 1


def test_no_smtp_server_fails_every_recipient_with_one_line_and_no_password(tmp_path):
    db = build_digest_db(tmp_path / "crm.duckdb")
    with socketserver.TCPServer(("127.0.0.1", 0), socketserver.BaseRequestHandler) as closed:
        port = closed.server_address[1]  # nothing listens once the block ends
    outcome = run_digest(Options(db, AS_OF), EMAIL_RULES, settings_for(port, "s3cret-pass"))
    assert outcome.failed == 4
    for entry in outcome.entries:
        assert entry.error.startswith("SMTP connection failed: ConnectionRefusedError")
        assert "s3cret" not in entry.error and "\n" not in entry.error
