"""The outbox checks the relay's certificate and host name, with TLS from the start or STARTTLS.

The relays are real aiosmtpd servers on loopback with certificates from a throw-away CA
(trustme); the system's trust store has never heard of it.
"""

import ssl

import pytest
import trustme
from aiosmtpd.smtp import AuthResult
from mailtools import SMTPServer, flush, outbox_rows, registered
from sqlalchemy import update

from jnt.config import ConfigError
from jnt.models import OutboxMessage, db, utcnow

CREDENTIALS = {"MAIL_USERNAME": "jnt", "MAIL_PASSWORD": "mot-de-passe-du-relais"}


@pytest.fixture
def ca():
    return trustme.CA()


@pytest.fixture
def ca_file(ca, tmp_path):
    path = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return str(path)


@pytest.fixture
def relay(ca):
    """Start a relay whose certificate names `hosts`; stopped after the test. Logins it receives are kept."""
    servers = []

    def start(*hosts: str, starttls: bool = False) -> SMTPServer:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert(*hosts).configure_cert(context)
        if starttls:
            options = {"tls_context": context, "require_starttls": True}
        else:  # aiosmtpd counts only STARTTLS as TLS for AUTH; this socket is TLS from the start
            options = {"ssl_context": context, "auth_require_tls": False}
        logins = []

        def authenticator(_server, _session, _envelope, _mechanism, auth_data):
            logins.append(auth_data.password)
            return AuthResult(success=True)

        server = SMTPServer(**options, authenticator=authenticator)
        server.logins = logins
        servers.append(server.start())
        return server

    yield start
    for server in servers:
        server.stop()


def our_log(caplog) -> str:
    """What the site logged (the test relay logs its own side)."""
    return "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("jnt"))


def assert_kept_for_later(row: OutboxMessage) -> None:
    assert row.sent_at is None and row.attempts == 1 and row.last_error == "SSLCertVerificationError"
    assert row.next_attempt_at > utcnow()


def test_implicit_tls_relay_signed_by_the_configured_ca_gets_the_message(make_app, relay, ca_file):
    server = relay("127.0.0.1", "localhost")
    app = make_app(**server.settings(), **CREDENTIALS, MAIL_USE_SSL=True, MAIL_TLS_CA_FILE=ca_file)
    registered(app, "camille.martin@example.org")
    assert flush(app).sent == 1
    assert [e.rcpt_tos for e in server.envelopes] == [["camille.martin@example.org"]]
    assert server.logins == [b"mot-de-passe-du-relais"]


def test_implicit_tls_relay_unknown_to_the_system_store_is_refused_and_retried(make_app, relay, ca_file, caplog):
    server = relay("127.0.0.1", "localhost")
    settings = {**server.settings(), **CREDENTIALS, "MAIL_USE_SSL": True}
    app = make_app(**settings)
    registered(app, "a@example.org", "b@example.org")
    caplog.set_level("INFO")
    report = flush(app)
    # A setting to fix: the run stops, like a refused login, and the next message is not tried.
    assert (report.sent, report.failed, report.given_up, report.postponed) == (0, 1, 0, 1)
    assert server.envelopes == [] and server.logins == []
    first, second = outbox_rows(app)
    assert_kept_for_later(first)
    assert second.attempts == 0 and second.sent_at is None
    logged = our_log(caplog)
    assert "Certificat du serveur SMTP refusé" in logged and "MAIL_TLS_CA_FILE" in logged
    assert "@" not in logged and "Camille" not in logged and "Martin" not in logged
    # Once the CA is configured, the kept messages leave.
    fixed = make_app(**settings, MAIL_TLS_CA_FILE=ca_file)
    with fixed.app_context():
        db.session.execute(update(OutboxMessage).values(next_attempt_at=OutboxMessage.created_at))
        db.session.commit()
    assert flush(fixed).sent == 2
    assert sorted(e.rcpt_tos[0] for e in server.envelopes) == ["a@example.org", "b@example.org"]


def test_starttls_relay_signed_by_the_configured_ca_gets_the_message(make_app, relay, ca_file):
    server = relay("127.0.0.1", "localhost", starttls=True)
    app = make_app(**server.settings(), **CREDENTIALS, MAIL_USE_TLS=True, MAIL_TLS_CA_FILE=ca_file)
    registered(app, "camille.martin@example.org")
    assert flush(app).sent == 1
    assert len(server.envelopes) == 1
    assert server.logins == [b"mot-de-passe-du-relais"]


def test_starttls_relay_with_a_certificate_for_another_host_gets_nothing(make_app, relay, ca_file, caplog):
    server = relay("autre.example", starttls=True)
    app = make_app(**server.settings(), **CREDENTIALS, MAIL_USE_TLS=True, MAIL_TLS_CA_FILE=ca_file)
    registered(app, "camille.martin@example.org")
    caplog.set_level("INFO")
    report = flush(app)
    assert (report.sent, report.failed) == (0, 1)
    assert server.envelopes == [] and server.logins == []  # neither the message nor the password
    assert_kept_for_later(outbox_rows(app)[0])
    logged = our_log(caplog)
    assert "mismatch, certificate is not valid for '127.0.0.1'" in logged
    assert "@" not in logged and "Camille" not in logged


def test_missing_ca_file_is_refused_at_start_up(make_app, tmp_path):
    with pytest.raises(ConfigError, match=r"MAIL_TLS_CA_FILE : fichier introuvable"):
        make_app(MAIL_TLS_CA_FILE=str(tmp_path / "absent.pem"))


@pytest.mark.parametrize("content", ["", "pas un certificat\n"], ids=["empty", "not-pem"])
def test_ca_file_without_a_certificate_is_refused_at_start_up(make_app, tmp_path, content):
    path = tmp_path / "ca.pem"
    path.write_text(content)
    with pytest.raises(ConfigError, match=r"MAIL_TLS_CA_FILE : fichier illisible ou sans certificat"):
        make_app(MAIL_TLS_CA_FILE=str(path))


@pytest.mark.parametrize("value", [42, True], ids=["number", "boolean"])
def test_ca_file_that_is_not_a_path_is_refused(make_app, value):
    with pytest.raises(ConfigError, match=r"MAIL_TLS_CA_FILE : chemin"):
        make_app(MAIL_TLS_CA_FILE=value)


def test_ca_folder_is_refused_at_start_up(make_app, tmp_path):
    with pytest.raises(ConfigError, match=r"MAIL_TLS_CA_FILE : fichier illisible"):
        make_app(MAIL_TLS_CA_FILE=str(tmp_path))
