"""The mail pipeline: messages composed into the outbox, delivered by SMTP (or as files) by the courier."""
