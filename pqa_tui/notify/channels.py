"""Channels and notifiers: which notifier delivers to a channel's URL, with its secrets filled in.

A notifier is any object with ``name``, ``schemes`` and ``send(url, message)``, registered
through the ``register_notifiers`` hook (the built-in Apprise one too). A channel's URL goes
to the first notifier that lists its scheme, else to the built-in ``apprise`` notifier, which
knows every service Apprise does.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Any, Protocol

from ..config import ChannelConfig
from ..errors import PqaError
from .messages import Message

FALLBACK = "apprise"
_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class NotifyError(PqaError):
    """A message the channel did not accept; it stays pending and the run exits 1."""


class Notifier(Protocol):
    """What ``register_notifiers`` registers: something that delivers a message to a URL."""

    name: str
    schemes: tuple[str, ...]  # URL schemes it handles ("crmtask"); () for the fallback

    def send(self, url: str, message: Message) -> None:
        """Deliver ``message`` or raise (any exception) saying why not."""


class ChannelUrl:
    """A channel's URL with ``${VAR}`` filled from the environment, and a redactor for errors."""

    def __init__(self, channel: ChannelConfig, environ: Mapping[str, str] | None = None):
        env = os.environ if environ is None else environ
        self.secrets: list[str] = []

        def fill(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in env:
                raise NotifyError(
                    f"channel {channel.name!r}: environment variable {name} is not set"
                )
            if env[name]:
                self.secrets.append(env[name])
            return env[name]

        self.url = _VARIABLE.sub(fill, channel.url.strip())
        self.scheme = self.url.split("://", 1)[0].lower() if "://" in self.url else ""

    def redact(self, text: str) -> str:
        """``text`` with every value read from the environment replaced by ``***``."""
        for secret in sorted(self.secrets, key=len, reverse=True):
            text = text.replace(secret, "***")
        return text


def notifier_for(scheme: str, notifiers: Mapping[str, Any]) -> Any:
    """The notifier that delivers to URLs of ``scheme``."""
    for notifier in notifiers.values():
        if scheme in getattr(notifier, "schemes", ()):
            return notifier
    if FALLBACK in notifiers:
        return notifiers[FALLBACK]
    raise NotifyError(f"no notifier handles {scheme}:// URLs")


def send(channel: ChannelConfig, message: Message, notifiers: Mapping[str, Any]) -> None:
    """Deliver one message to one channel; raise :class:`NotifyError` (secrets redacted)."""
    url = ChannelUrl(channel)
    notifier = notifier_for(url.scheme, notifiers)
    try:
        notifier.send(url.url, message)
    except Exception as e:  # noqa: BLE001 - a plugin notifier may raise anything
        detail = str(e) or type(e).__name__
        raise NotifyError(url.redact(f"{notifier.name}: {detail}")) from None
