"""An email backend for the processes the fault tests start: Django's file
backend, into the folder named by ``NONGJIA_FAULT_MAIL_DIR`` (the production
settings take ``EMAIL_BACKEND`` from the environment, not ``EMAIL_FILE_PATH``),
and a reader that gives back every message written there."""

import email
import email.policy
import os
import uuid
from email.message import EmailMessage
from pathlib import Path

from django.core.mail.backends.filebased import EmailBackend

SEPARATOR = b"\n" + b"-" * 79 + b"\n"


class MailFiles(EmailBackend):
    def __init__(self, *args, **kwargs):
        kwargs["file_path"] = os.environ["NONGJIA_FAULT_MAIL_DIR"]
        super().__init__(*args, **kwargs)

    def _get_filename(self):
        # A file per connection, unique across a worker's pool processes (Django
        # names it by time and id(), which two forked processes may share).
        if self._fname is None:
            self._fname = os.path.join(self.file_path, f"{uuid.uuid4().hex}.log")
        return self._fname


def read_messages(folder: Path) -> list[EmailMessage]:
    messages = []
    for path in sorted(folder.glob("*.log")):
        for chunk in path.read_bytes().split(SEPARATOR):
            if chunk.strip():
                messages.append(
                    email.message_from_bytes(chunk, policy=email.policy.default)
                )
    return messages
