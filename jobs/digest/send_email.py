"""E-mail over SMTP (standard library): HTML with a plain-text alternative, one connection for the run,
one message per recipient; a refused recipient does not stop the others."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from jobs.digest.render import Message
from jobs.digest.settings import Settings

TIMEOUT = 30.0


def build_email(settings: Settings, to: str, message: Message) -> EmailMessage:
    mail = EmailMessage()
    mail["Subject"] = message.subject
    mail["From"] = settings.smtp_from
    mail["To"] = to
    mail["Date"] = formatdate(localtime=True)
    mail["Message-ID"] = make_msgid(domain="dozhim.local")
    mail.set_content(message.plain)
    mail.add_alternative(message.html, subtype="html")
    return mail


def _connect(settings: Settings) -> smtplib.SMTP:
    if settings.smtp_port == 465:
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(settings.smtp_host, settings.smtp_port, timeout=TIMEOUT)
    else:
        smtp = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=TIMEOUT)
        smtp.ehlo()
        if smtp.has_extn("starttls"):
            smtp.starttls()
            smtp.ehlo()
    if settings.smtp_user:
        smtp.login(settings.smtp_user, settings.smtp_password)
    return smtp


def send_emails(settings: Settings, mails: dict[int, tuple[str, Message]]) -> dict[int, str | None]:
    """user id -> None (sent) or the one-line reason; a connection failure fails every recipient."""
    try:
        smtp = _connect(settings)
    except (OSError, smtplib.SMTPException) as exc:
        reason = settings.redact(f"SMTP connection failed: {type(exc).__name__}: {exc}")
        return {uid: reason for uid in mails}
    out: dict[int, str | None] = {}
    try:
        for uid, (to, message) in mails.items():
            try:
                smtp.send_message(build_email(settings, to, message))
                out[uid] = None
            except (OSError, smtplib.SMTPException) as exc:
                out[uid] = settings.redact(f"SMTP refused: {type(exc).__name__}: {exc}")
    finally:
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            smtp.close()
    return out
