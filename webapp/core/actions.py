"""The error a service raises when a request cannot be carried out: a status and a
sentence for the person, and for form pages the field it is about. Views let it propagate
(one handler renders it, HTML or JSON) or show it next to ``field``."""


class ActionError(Exception):
    def __init__(self, message: str, status: int = 400, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.status = status
        self.field = field
