"""Delivery to a real SMTP server and a real webhook receiver on 127.0.0.1."""

from __future__ import annotations

import hashlib
import hmac
import json
import subprocess
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import update

from sidelines.services import accounts, messages, negotiation, onsite_changes
from sidelines.services.clock import now
from sidelines.services.delivery import (
    DeliveryOptions,
    Mailer,
    MailSettings,
    claim,
    claim_in,
    in_quiet_hours,
)
from sidelines.services.errors import NotFound
from sidelines.services.messages import Preferences
from sidelines.services.negotiation import Terms
from sidelines.services.worker import WorkerContext, deliver
from sidelines.storage.db import Database
from sidelines.storage.tables import EventRow, OutboxRow
from tests import builders
from tests.receivers import LOOPBACK, smtp_receiver, webhook_receiver
from tests.services.messaging import FAST, agree_and_publish, listen, messaging
from tests.services.test_onsite_changes import EVENT, make_venue

SECRET_WORDS = "our red line is the fishing quota"


def test_an_email_tells_the_invitee_in_text_and_html_without_private_words(
    database: Database,
) -> None:
    with messaging(database) as m:
        listen(database, m.world, "BBB", "bbb@example.org")
        negotiation.create_request(
            database,
            m.world.delegates["AAA"],
            "ev",
            ["BBB"],
            Terms(message=SECRET_WORDS, topics=("fishing quota",)),
            priority=5,
            note=SECRET_WORDS,
        )

        m.deliver_all()

        [mail] = m.smtp.mails
        [row] = m.rows()
        assert (mail.to, mail.key, row.status) == (["bbb@example.org"], row.key, "sent")
        assert mail.message["Subject"] == "Test event: AAA asked you for a meeting"
        assert "AAA asked you for a meeting" in mail.body("plain")
        assert "AAA asked you for a meeting</a>" in mail.body("html")
        assert all(SECRET_WORDS not in mail.body(kind) for kind in ("plain", "html"))
        assert "fishing" not in mail.message.as_string()
        digest = hashlib.sha256(row.key.encode()).hexdigest()[:40]
        assert mail.message["Message-ID"] == f"<{digest}@sidelines>"


def test_a_webhook_body_is_signed_with_the_webhooks_secret(database: Database) -> None:
    with messaging(database) as m:
        hook = messages.add_webhook(
            database, m.world.delegates["BBB"], "ev", m.hooks.url, allowed=LOOPBACK
        )
        negotiation.create_request(database, m.world.delegates["AAA"], "ev", ["BBB"], Terms())

        m.deliver_all()

        [post] = m.hooks.posts
        assert hook.secret is not None
        expected = hmac.new(hook.secret.encode(), post.body, hashlib.sha256).hexdigest()
        assert post.headers["X-Sidelines-Signature"] == f"sha256={expected}"
        body = json.loads(post.body)
        assert (body["kind"], body["party_id"], body["text"]) == (
            "new_request",
            "BBB",
            "AAA asked you for a meeting",
        )
        assert post.headers["Idempotency-Key"] == body["key"] == m.rows()[0].key


def test_a_refused_webhook_is_retried_and_its_owner_reads_every_attempt(
    database: Database,
) -> None:
    with messaging(database, answers=[500, 503]) as m:
        hook = messages.add_webhook(
            database, m.world.delegates["BBB"], "ev", m.hooks.url, allowed=LOOPBACK
        )
        negotiation.create_request(database, m.world.delegates["AAA"], "ev", ["BBB"], Terms())

        m.deliver_all()

        log = messages.webhook_deliveries(database, m.world.delegates["BBB"], "ev", hook.id)
        assert [(d.attempt, d.ok, d.status_code) for d in log] == [
            (3, True, 200),
            (2, False, 503),
            (1, False, 500),
        ]
        assert len(m.hooks.posts) == 1
        assert m.rows()[0].status == "sent"


def test_two_workers_never_claim_the_same_message(database: Database) -> None:
    with messaging(database, ("AAA", "BBB", "CCC")) as m:
        listen(database, m.world, "BBB", "bbb@example.org")
        negotiation.create_request(database, m.world.delegates["AAA"], "ev", ["BBB"], Terms())
        negotiation.create_request(database, m.world.delegates["CCC"], "ev", ["BBB"], Terms())
        one = DeliveryOptions(batch=1)

        first = claim(database, "worker-1", one)
        second = claim(database, "worker-2", one)
        third = claim(database, "worker-3", one)

        assert (len(first), len(second), third) == (1, 1, [])
        assert first != second


# SQLite has one writer at a time: its workers claim one after another.
@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
def test_on_postgresql_a_claim_under_way_is_skipped_not_waited_for(
    database: Database,
) -> None:
    with messaging(database, ("AAA", "BBB", "CCC")) as m:
        listen(database, m.world, "BBB", "bbb@example.org")
        negotiation.create_request(database, m.world.delegates["AAA"], "ev", ["BBB"], Terms())
        negotiation.create_request(database, m.world.delegates["CCC"], "ev", ["BBB"], Terms())
        one = DeliveryOptions(batch=1)

        with database.writing() as session:
            first = claim_in(session, "worker-1", one)
            second = claim(database, "worker-2", one)  # while the first is not committed

        assert (len(first), len(second)) == (1, 1)
        assert first != second


def test_another_delegation_cannot_read_a_webhooks_log(database: Database) -> None:
    with messaging(database) as m:
        hook = messages.add_webhook(
            database, m.world.delegates["BBB"], "ev", m.hooks.url, allowed=LOOPBACK
        )
        with pytest.raises(NotFound, match=f"^no webhook {hook.id}$"):
            messages.webhook_deliveries(database, m.world.delegates["AAA"], "ev", hook.id)


@pytest.mark.parametrize("venue", ["UTC", "America/Lima"])
def test_a_message_in_quiet_hours_is_held_until_they_end(database: Database, venue: str) -> None:
    """Quiet hours are the venue's: in Lima (UTC-5) the hours around its local time hold now,
    and are no UTC hours of now."""
    with messaging(database) as m:
        with database.writing() as session:
            row = session.get(EventRow, "ev")
            assert row is not None
            row.spec = {**row.spec, "timezone": venue}
            row.timezone = venue
            row.setup_revision += 1
        local = now().astimezone(ZoneInfo(venue))
        start = (local - timedelta(hours=1)).strftime("%H:%M")
        end = (local + timedelta(hours=1)).strftime("%H:%M")
        listen(database, m.world, "BBB", "bbb@example.org", quiet_from=start, quiet_until=end)
        negotiation.create_request(database, m.world.delegates["AAA"], "ev", ["BBB"], Terms())

        m.deliver_all(rounds=2)

        [row] = m.rows()
        assert m.smtp.mails == []
        assert (row.status, row.attempts) == ("pending", 0)
        assert row.due_at.astimezone(ZoneInfo(venue)).strftime("%H:%M") == end


def test_quiet_hours_over_midnight_end_the_next_morning() -> None:
    late = datetime(2030, 5, 6, 23, 30, tzinfo=UTC)
    assert in_quiet_hours(late, ZoneInfo("UTC"), "22:00", "07:00") == datetime(
        2030, 5, 7, 7, 0, tzinfo=UTC
    )
    assert in_quiet_hours(late, ZoneInfo("UTC"), "07:00", "22:00") is None


def test_a_digest_sends_everything_of_its_period_in_one_email(database: Database) -> None:
    with messaging(database, ("AAA", "BBB", "CCC")) as m:
        listen(database, m.world, "BBB", "bbb@example.org", digest_min=60)
        negotiation.create_request(database, m.world.delegates["AAA"], "ev", ["BBB"], Terms())
        negotiation.create_request(database, m.world.delegates["CCC"], "ev", ["BBB"], Terms())
        m.deliver_all(rounds=2)
        assert m.smtp.mails == []
        with database.writing() as session:  # the hour is over
            session.execute(update(OutboxRow).values(due_at=now()))

        m.deliver_all()

        [mail] = m.smtp.mails
        assert mail.message["Subject"] == "Test event: 2 updates"
        assert "AAA asked you for a meeting" in mail.body("plain")
        assert "CCC asked you for a meeting" in mail.body("plain")
        assert [r.status for r in m.rows()] == ["sent", "sent"]


def test_a_published_meeting_is_told_in_the_words_of_the_change_notice(
    database: Database,
) -> None:
    with messaging(database) as m:
        listen(database, m.world, "BBB", "bbb@example.org", kinds=("placed",))
        agree_and_publish(database, m.world)

        m.deliver_all()

        [mail] = m.smtp.mails
        assert mail.message["Subject"].startswith("Test event: Bilateral with AAA placed on Mon ")


def test_an_email_speaks_the_language_its_reader_chose_for_the_pages(
    database: Database,
) -> None:
    with messaging(database, ("AAA", "BBB", "CCC")) as m:
        listen(database, m.world, "BBB", "bbb@example.org", kinds=("new_request", "placed"))
        accounts.set_language(database, m.world.delegates["BBB"], "ru")
        agree_and_publish(database, m.world)
        negotiation.create_request(database, m.world.delegates["CCC"], "ev", ["BBB"], Terms())

        m.deliver_all()

        subjects = sorted(mail.message["Subject"] for mail in m.smtp.mails)
        assert subjects[:2] == [
            "Test event: AAA просит вас о встрече",  # noqa: RUF001
            "Test event: CCC просит вас о встрече",  # noqa: RUF001
        ]
        # The notice's words, its weekday too: "пн" for Monday.
        assert subjects[2].startswith("Test event: Двусторонняя встреча: AAA — в расписании: пн ")
        plain = m.smtp.mails[0].body("plain")
        assert "Вы получаете это письмо" in plain
        assert "You receive this" not in plain
        assert '<html lang="ru">' in m.smtp.mails[0].body("html")


def _certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and its key, made by the openssl command."""
    cert, key = folder / "smtp.pem", folder / "smtp.key"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1"),
            *("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"),
            *("-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_mail_goes_through_the_settings_server_encrypted_and_logged_in(
    security: Literal["starttls", "tls"], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    certificate = _certificate(tmp_path)
    # The server's certificate is checked: trusted here as a site would trust its own CA.
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))
    login = ("sidelines", "the mail server's password")
    with smtp_receiver(security, certificate, login) as smtp:
        settings = MailSettings(
            port=smtp.port, security=security, username=login[0], password=login[1]
        )
        mail = EmailMessage()
        mail["From"], mail["To"], mail["Subject"] = settings.sender, "bbb@example.org", "hello"
        mail.set_content("hello")
        mailer = Mailer(settings)
        try:
            mailer.send(mail)
        finally:
            mailer.close()

    assert [m.to for m in smtp.mails] == [["bbb@example.org"]]
    assert smtp.logins == ["sidelines"]  # accepted only with the password of the settings


def test_an_acceptance_with_no_place_yet_tells_the_asker_the_meeting_waits_for_one(
    database: Database,
) -> None:
    with messaging(database) as m:
        listen(database, m.world, "AAA", "aaa@example.org", kinds=("answer",))
        asked = negotiation.create_request(
            database, m.world.delegates["AAA"], "ev", ["BBB"], Terms()
        )
        # Nothing is published: the meeting agreed waits for the organiser's next solve.
        negotiation.respond(
            database, m.world.delegates["BBB"], "ev", asked.id, negotiation.Answer.ACCEPT
        )

        m.deliver_all()

        [mail] = m.smtp.mails
        assert mail.message["Subject"] == (
            "Test event: BBB accepted the request for a meeting; it is agreed and waits for a place"
        )


def test_an_overrun_is_told_by_email_and_webhook_to_its_attendees_delegations_only(
    database: Database,
) -> None:
    """A session that runs over changes the day of the delegations attending it, whether or
    not a meeting moves: they are told as of any other change, by e-mail and webhook, in
    words and venue time; no other delegation is."""
    world = make_venue(
        database,
        [builders.meeting("ab", "A", "B", windows=(builders.span((11, 0), (12, 0)),))],
        programme=[builders.session("plenary", ["A", "B"], (9, 0), (10, 0))],
    )
    for party in ("A", "B", "C"):
        messages.set_preferences(
            database, world.delegates[party], Preferences(email=f"{party.lower()}@example.org")
        )
    accounts.set_language(database, world.delegates["B"], "ru")
    with smtp_receiver() as smtp, webhook_receiver() as hooks:
        hook = messages.add_webhook(
            database, world.delegates["A"], EVENT, hooks.url, allowed=LOOPBACK
        )
        messages.add_webhook(database, world.delegates["C"], EVENT, hooks.url, allowed=LOOPBACK)
        context = WorkerContext(database, MailSettings(port=smtp.port), FAST, name="test-worker")
        context.open()
        try:
            view = onsite_changes.report_overrun(
                database, world.organiser, EVENT, session_id="plenary", extra_min=15
            )
            assert view.version is None  # no meeting moved: no change notice to carry it
            while deliver(context):
                pass
        finally:
            context.close()

    assert sorted((mail.to[0], mail.message["Subject"]) for mail in smtp.mails) == [
        ("a@example.org", "Test event: plenary runs over, until Mon 06 May 10:15"),
        ("b@example.org", "Test event: plenary затягивается, до пн 06 мая 10:15"),
    ]
    [post] = hooks.posts
    body = json.loads(post.body)
    assert (body["kind"], body["party_id"], body["text"], hook.party_id) == (
        "moved",
        "A",
        "plenary runs over, until Mon 06 May 10:15",
        "A",
    )
