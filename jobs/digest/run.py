"""One digest run: decide whether today gets one, compose and render per person, send per channel, log.

Nothing is sent on a non-working day (the rules' calendar) or before digest.send_after (portal time); a
person already sent today's digest on a channel gets nothing more there unless `resend`. Stale data (the
last sync failed, or the last good one is older than digest.fresh_hours) sends only the stale note. Each
recipient's failure is logged and the others go on.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from jobs.digest import compose, log
from jobs.digest.calendar import is_working_day, local_moment, previous_working_day
from jobs.digest.compose import Digest
from jobs.digest.log import Entry
from jobs.digest.render import Message, render
from jobs.digest.scope import Recipient
from jobs.digest.send_email import send_emails
from jobs.digest.send_im import Notice, send_notices
from jobs.digest.settings import Settings
from queries import QueryError, Rules, SnapshotInfo, snapshot_info
from queries.digest_log import digest_recipients


class DigestConfigError(ValueError):
    """No channel to send on (and not a dry run): one line."""


@dataclass(frozen=True)
class Options:
    db: Path
    as_of: datetime | None = None
    dry_run: Path | None = None  # write what would be sent here, send nothing
    resend: bool = False
    only: int | None = None  # one user id


@dataclass
class Outcome:
    note: str = ""  # why nothing was sent, or a summary
    entries: list[Entry] = field(default_factory=list)

    @property
    def failed(self) -> int:
        return sum(e.status == "failed" for e in self.entries)


def is_stale(info: SnapshotInfo, as_of: datetime, rules: Rules) -> bool:
    if info.last_run_status != "ok" or info.last_ok_sync_at is None:
        return True
    return as_of - info.last_ok_sync_at > timedelta(hours=rules.digest.fresh_hours)


def channels(rules: Rules, settings: Settings, dry_run: bool) -> list[str]:
    out = ["im"] if settings.im_configured or dry_run else []
    if rules.digest.email and (settings.email_configured or dry_run):
        out.append("email")
    return out


def _compose(
    opts: Options,
    rules: Rules,
    info: SnapshotInfo,
    recipient: Recipient,
    as_of: datetime,
    stale_since: datetime | None,
    settings: Settings,
) -> Digest:
    local = local_moment(as_of, rules, info.utc_offset)
    day = local.date()
    currency = info.base_currency or "RUB"
    if is_stale(info, as_of, rules):
        digest = Digest(recipient, day, "stale", stale_since=stale_since)
    else:
        previous_day = previous_working_day(day, rules)
        previous = compose.previous_moment(as_of, day, previous_day)
        sent_before = log.items_sent(opts.db, previous_day, recipient.user_id)
        if recipient.kind == "head":
            digest = compose.head_digest(
                opts.db, recipient, as_of, rules, day, currency, previous, sent_before
            )
        else:
            digest = compose.manager_digest(
                opts.db, recipient, as_of, previous, rules, day, currency, sent_before
            )
    return replace(digest, dashboard_url=settings.dashboard_url)


def _write_files(folder: Path, digest: Digest, message: Message, chans: list[str]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"{digest.day.isoformat()}_{digest.recipient.user_id}_{digest.kind}"
    if "im" in chans:
        (folder / f"{stem}.bbcode.txt").write_text(message.bbcode + "\n", encoding="utf-8")
    if "email" in chans:
        (folder / f"{stem}.html").write_text(message.html, encoding="utf-8")
        (folder / f"{stem}.txt").write_text(
            f"Subject: {message.subject}\n\n{message.plain}", encoding="utf-8"
        )


def _entry(digest: Digest, message: Message, channel: str, status: str, error: str | None = None) -> Entry:
    chars = len(message.bbcode) if channel == "im" else len(message.plain)
    return Entry(
        digest.day,
        digest.recipient.user_id,
        digest.recipient.name,
        channel,
        digest.kind,
        status,
        message.items if digest.kind in ("manager", "head") else 0,
        chars,
        error,
    )


def run_digest(opts: Options, rules: Rules, settings: Settings) -> Outcome:
    as_of = opts.as_of or datetime.now(UTC)
    info = snapshot_info(opts.db)
    local = local_moment(as_of, rules, info.utc_offset)
    day = local.date()
    if not is_working_day(day, rules):
        return Outcome(f"{day.isoformat()} is not a working day: nothing sent")
    if local.strftime("%H:%M") < rules.digest.send_after:
        return Outcome(
            f"before digest.send_after {rules.digest.send_after} (portal time {local:%H:%M}): nothing sent"
        )
    chans = channels(rules, settings, opts.dry_run is not None)
    if not chans:
        raise DigestConfigError(
            "no digest channel: set DOZHIM_NOTIFY_WEBHOOK_URL (or [digest] email = true "
            "with DOZHIM_SMTP_HOST and DOZHIM_SMTP_FROM)"
        )
    people = compose.recipients(opts.db, as_of, rules, digest_recipients(opts.db))
    if opts.only is not None:
        people = [p for p in people if p.user_id == opts.only]
    stale = is_stale(info, as_of, rules)
    stale_since = local_moment(info.last_ok_sync_at, rules, info.utc_offset) if info.last_ok_sync_at else None
    done = {
        c: set() if opts.resend or opts.dry_run else log.already_sent(opts.db, day, c, count_stale=stale)
        for c in chans
    }
    entries: list[Entry] = []
    im: dict[int, tuple[Digest, Message]] = {}
    mail: dict[int, tuple[Digest, Message]] = {}
    for person in people:
        wanted = [c for c in chans if person.user_id not in done[c]]
        if not wanted:
            continue
        try:
            digest = _compose(opts, rules, info, person, as_of, stale_since, settings)
        except Exception as exc:  # noqa: BLE001 - one person's failure must not stop the others
            reason = settings.redact(
                str(exc) if isinstance(exc, QueryError) else f"{type(exc).__name__}: {exc}"
            )
            entries += [
                Entry(day, person.user_id, person.name, c, person.kind, "failed", error=reason)
                for c in wanted
            ]
            continue
        if digest.kind == "all_clear" and not rules.digest.all_clear:
            continue
        message = render(digest, rules.digest.max_items)
        if opts.dry_run is not None:
            _write_files(opts.dry_run, digest, message, wanted)
            entries += [_entry(digest, message, c, "dry_run") for c in wanted]
            continue
        if "im" in wanted:
            im[person.user_id] = (digest, message)
        if "email" in wanted:
            if person.email:
                mail[person.user_id] = (digest, message)
            else:
                entries.append(_entry(digest, message, "email", "skipped", "no e-mail address in Bitrix24"))
    if im:
        notices = [Notice(uid, m.bbcode, f"DOZHIM_DIGEST|{uid}") for uid, (_, m) in im.items()]
        for uid, error in send_notices(settings, notices).items():
            entries.append(_entry(*im[uid], "im", "failed" if error else "sent", error))
    if mail:
        results = send_emails(settings, {uid: (d.recipient.email or "", m) for uid, (d, m) in mail.items()})
        for uid, error in results.items():
            entries.append(_entry(*mail[uid], "email", "failed" if error else "sent", error))
    log.write(opts.db, entries)
    sent_lists = {
        e.recipient_id: [item.key for item in im.get(e.recipient_id, mail.get(e.recipient_id))[0].items]
        for e in entries
        if e.status == "sent" and e.kind != "stale" and e.recipient_id in {*im, *mail}
    }
    log.remember_items(opts.db, day, sent_lists)
    sent = sum(e.status in ("sent", "dry_run") for e in entries)
    return Outcome(
        f"{sent} digests {'written' if opts.dry_run else 'sent'}, "
        f"{sum(e.status == 'failed' for e in entries)} failed",
        entries,
    )
