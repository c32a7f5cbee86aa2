"""The error a service raises when a request cannot be carried out: a status and a
sentence for the person. Views let it propagate; one handler renders it (HTML or JSON)."""


class ActionError(Exception):
    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message = message
        self.status = status
