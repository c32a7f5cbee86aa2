"""Mail domain: outgoing e-mail, sent by a Celery task over SMTP (or written to
instance/outbox/ in the one-machine default), each message recorded with its outcome."""
