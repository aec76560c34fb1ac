"""The tables: SQLAlchemy models with their invariants (checks, unique keys, ids never reused)."""

import datetime as dt
import enum
from typing import ClassVar

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, TypeDecorator, false, or_, text
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column

from .extensions import db

# Integer ids come from AUTOINCREMENT on SQLite (a sequence on PostgreSQL): an id once given is
# never given again, even after its row is deleted, so nothing that kept an id (an audit row, an
# organiser's open page) can ever point at someone else. Every table with an integer id uses it.
NEVER_REUSE_IDS = {"sqlite_autoincrement": True}


class Labelled(enum.StrEnum):
    """A value stored as its string, with its one French label (`Status.WAITING.label`)."""

    def __new__(cls, value: str, label: str):
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member


class Mode(Labelled):
    IN_PERSON = "in_person", "En présentiel"
    REMOTE = "remote", "À distance"


class Status(Labelled):
    CONFIRMED = "confirmed", "Confirmée"
    WAITING = "waiting", "Liste d’attente"
    # Kept until purge (retention.py): the e-mails sent stay explained, and the person may register again.
    CANCELLED = "cancelled", "Annulée"


class StoredEnum(TypeDecorator):
    """A Labelled enum in a plain string column: today's values in the database, members in Python."""

    impl = String(16)
    cache_ok = True

    def __init__(self, enum_class: type[Labelled]):
        super().__init__()
        self.enum_class = enum_class

    def process_bind_param(self, value, _dialect):
        return None if value is None else self.enum_class(value).value

    def process_result_value(self, value, _dialect):
        return None if value is None else self.enum_class(value)


IN_PERSON, REMOTE = Mode.IN_PERSON, Mode.REMOTE
CONFIRMED, WAITING, CANCELLED = Status.CONFIRMED, Status.WAITING, Status.CANCELLED
IN_PERSON_COUNTER = "in_person"


def utcnow() -> dt.datetime:
    """Naive UTC now, the storage convention for every timestamp column."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class SeatCounter(db.Model):
    """Seats taken, updated only by a conditional UPDATE (see seats.py)."""

    __tablename__ = "seat_counters"
    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    taken: Mapped[int] = mapped_column(default=0)
    __table_args__ = (CheckConstraint("taken >= 0", name="taken_not_negative"),)


class Registration(db.Model):
    """One person's registration (a proven address, or a walk-in's, which may be none); the e-mail is
    unique once normalised, among registrations not cancelled."""

    __tablename__ = "registrations"
    id: Mapped[int] = mapped_column(primary_key=True)
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    # None only for a walk-in who gave no address (NULLs never clash in the unique index below).
    email: Mapped[str | None] = mapped_column(String(254))
    organisation: Mapped[str] = mapped_column(String(200))
    structure_type: Mapped[str] = mapped_column(String(40))
    job_title: Mapped[str] = mapped_column(String(150))
    mode: Mapped[Mode] = mapped_column(StoredEnum(Mode))
    status: Mapped[Status] = mapped_column(StoredEnum(Status))
    accessibility_needs: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # Hash of the key the registering browser keeps (tokens.browser_key): it finds "its"
    # registration, and the same form sent twice from that browser gets the same key.
    browser_key_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    # Counts the changes made through the ORM: an organiser's page says which version it showed.
    version: Mapped[int] = mapped_column(server_default="1")
    # When the person joined the in-person waiting list: the list's order.
    queued_at: Mapped[dt.datetime | None]
    checked_in_at: Mapped[dt.datetime | None]
    # First time a remote attendee pressed "Rejoindre la visioconférence" (visio.py): their presence.
    joined_at: Mapped[dt.datetime | None]
    reminder_sent_at: Mapped[dt.datetime | None]
    # Added at the entrance by an organiser, not registered: their address (if any) is unproven,
    # so nothing is e-mailed to them until they prove it themselves (address_proven_at, proof.py).
    walk_in: Mapped[bool] = mapped_column(server_default=false())
    # When a walk-in proved the address typed at the door (by the registration form's e-mailed link).
    address_proven_at: Mapped[dt.datetime | None]
    # Checked in while every seat was taken, because the room allowed it (counted apart on the dashboard).
    over_capacity: Mapped[bool] = mapped_column(server_default=false())
    cancelled_at: Mapped[dt.datetime | None]
    __table_args__ = (
        CheckConstraint("mode IN ('in_person', 'remote')", name="mode_known"),
        CheckConstraint("email IS NOT NULL OR walk_in", name="email_unless_walk_in"),
        CheckConstraint("status IN ('confirmed', 'waiting', 'cancelled')", name="status_known"),
        CheckConstraint("mode = 'in_person' OR status <> 'waiting'", name="remote_never_waits"),
        CheckConstraint("(status = 'cancelled') = (cancelled_at IS NOT NULL)", name="cancelled_when"),
        Index("ix_registrations_queue", "mode", "status", "queued_at"),
        # A partial index (SQLite and PostgreSQL alike): one live registration per address, any number cancelled.
        Index(
            "uq_registrations_active_email",
            "email",
            unique=True,
            sqlite_where=text("status <> 'cancelled'"),
            postgresql_where=text("status <> 'cancelled'"),
        ),
        NEVER_REUSE_IDS,
    )
    __mapper_args__: ClassVar[dict] = {"version_id_col": version}

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @hybrid_property
    def email_proven(self) -> bool:
        """Whether the site may write to this address: always for a registration (the form proves it),
        for a walk-in only once they proved the address typed at the door."""
        return not self.walk_in or self.address_proven_at is not None

    @email_proven.inplace.expression
    @classmethod
    def _email_proven_expression(cls):
        return or_(cls.walk_in.is_(False), cls.address_proven_at.is_not(None))


class Role(Labelled):
    """What an organiser account may do: everything, or only welcome people at the door."""

    ORGANISATION = "organisation", "Organisation (tout l’espace)"
    ACCUEIL = "accueil", "Accueil (pointage et émargement)"


class ManageToken(db.Model):
    """One management link (its SHA-256): each e-mail mints its own; all go when the registration ends."""

    __tablename__ = "manage_tokens"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class PendingRegistration(db.Model):
    """A form sent for an address not proven yet: holds no seat, touches no registration, expires."""

    __tablename__ = "pending_registrations"
    id: Mapped[int] = mapped_column(primary_key=True)
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str] = mapped_column(String(254), index=True)
    organisation: Mapped[str] = mapped_column(String(200))
    structure_type: Mapped[str] = mapped_column(String(40))
    job_title: Mapped[str] = mapped_column(String(150))
    mode: Mapped[Mode] = mapped_column(StoredEnum(Mode))
    accessibility_needs: Mapped[str] = mapped_column(Text, default="")
    # SHA-256 of the token in the e-mail's link, the proof that the address is the sender's.
    proof_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(index=True)
    __table_args__ = (CheckConstraint("mode IN ('in_person', 'remote')", name="pending_mode_known"), NEVER_REUSE_IDS)

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


class Handover(db.Model):
    """A place offered to a colleague, waiting for the colleague to prove their address (the link's token hash)."""

    __tablename__ = "handovers"
    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    proof_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime]
    __table_args__ = (NEVER_REUSE_IDS,)


class Organiser(db.Model):
    """An organiser account (created on the command line only): a password, or ProConnect."""

    __tablename__ = "organisers"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    # None for an account that signs in with ProConnect only.
    password_hash: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # Accounts are deactivated, never deleted: the audit log keeps saying who did what.
    deactivated_at: Mapped[dt.datetime | None]
    role: Mapped[str] = mapped_column(String(20), default="organisation", server_default="organisation")
    # Allowed to sign in with ProConnect; bound to the provider's subject (`sub`) at the first sign-in,
    # which identifies the agent from then on (the e-mail only admits them the first time).
    proconnect: Mapped[bool] = mapped_column(default=False, server_default=false())
    oidc_sub: Mapped[str | None] = mapped_column(String(255), unique=True)
    __table_args__ = (
        CheckConstraint("role IN ('organisation', 'accueil')", name="role_known"),
        NEVER_REUSE_IDS,
    )


class OrganiserSession(db.Model):
    """One open organiser session; the browser holds only the random key whose SHA-256 is stored."""

    __tablename__ = "organiser_sessions"
    key_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    organiser_id: Mapped[int] = mapped_column(ForeignKey("organisers.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime]
    last_seen_at: Mapped[dt.datetime]
    # The identity provider's ID token, for a single sign-on logout (ProConnect) later.
    id_token: Mapped[str | None] = mapped_column(Text)


class LoginFailures(db.Model):
    """Failed logins of one account from one client address (both keyed digests), and the wait they earned."""

    __tablename__ = "login_failures"
    account_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    address_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int]
    last_failure_at: Mapped[dt.datetime]
    locked_until: Mapped[dt.datetime | None]
    __table_args__ = (Index("ix_login_failures_address", "address_key", "last_failure_at"),)


class AuditEntry(db.Model):
    """Who did what, when: organiser actions and exports (no personal data of attendees)."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    organiser_id: Mapped[int | None] = mapped_column(ForeignKey("organisers.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(40))
    registration_id: Mapped[int | None]
    detail: Mapped[str] = mapped_column(String(200), default="")
    __table_args__ = (NEVER_REUSE_IDS,)


class ThrottleEvent(db.Model):
    """One counted event (failed login, registration POST), shared by all workers."""

    __tablename__ = "throttle_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(64))
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    __table_args__ = (Index("ix_throttle_lookup", "scope", "key", "at"), NEVER_REUSE_IDS)


class Broadcast(db.Model):
    """An organiser's message to a segment of registrants: stored once, rendered per recipient when sent."""

    __tablename__ = "broadcasts"
    id: Mapped[int] = mapped_column(primary_key=True)
    # The random key of the confirmation form that sent it: the same form sent twice is one message.
    form_key: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    segment: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    organiser_id: Mapped[int | None] = mapped_column(ForeignKey("organisers.id", ondelete="SET NULL"))
    recipients: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    __table_args__ = (NEVER_REUSE_IDS,)


class OutboxMessage(db.Model):
    """An e-mail waiting to be delivered; written in the same transaction as its cause."""

    __tablename__ = "outbox"
    id: Mapped[int] = mapped_column(primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(100), unique=True)
    # None for an e-mail to an address not proven yet. Cancelling keeps the row (a status), so the
    # e-mails stay; purge deletes both (retention.py), and a deleted registration leaves its e-mails unlinked.
    registration_id: Mapped[int | None] = mapped_column(ForeignKey("registrations.id", ondelete="SET NULL"), index=True)
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    ics: Mapped[str | None] = mapped_column(Text)
    # An organiser's message: the bodies stay empty until the row is first claimed for sending,
    # when they are rendered for this recipient (so queuing a thousand is one INSERT ... SELECT).
    broadcast_id: Mapped[int | None] = mapped_column(ForeignKey("broadcasts.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[dt.datetime | None]
    last_error: Mapped[str] = mapped_column(String(200), default="")
    __table_args__ = (NEVER_REUSE_IDS,)


class Heartbeat(db.Model):
    """One row that /healthz rewrites: proof that the database takes writes right now."""

    __tablename__ = "heartbeat"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime]
    __table_args__ = (NEVER_REUSE_IDS,)
