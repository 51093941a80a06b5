"""The built-in notifier: any Apprise URL (Slack, Teams, Discord, email, ntfy, webhooks, ...).

Each message is written in the body format its service reads: HTML for email, plain text for
generic ``json://`` / ``form://`` / ``xml://`` webhooks (which also get the stable event id as
a ``pqa_event_id`` payload field and an ``X-Pqa-Event-Id`` header, so a receiver can drop the
one repeat a killed run can cause), and chat markdown for everything else.
"""

from __future__ import annotations

from urllib.parse import quote

from ..hookspecs import hookimpl
from .channels import FALLBACK, NotifyError
from .messages import Message

EMAIL_SCHEMES = ("mailto", "mailtos")
WEBHOOK_SCHEMES = ("json", "jsons", "form", "forms", "xml", "xmls")
# A whole notify() call to one service gives up after this long (Apprise's own timeouts cap
# each connection and read at 4 s, SMTP's connection at 15 s).
SERVICE_TIMEOUT_SECONDS = 30.0


class AppriseNotifier:
    """Delivers through Apprise; the fallback for every scheme no plugin claims."""

    name = FALLBACK
    schemes: tuple[str, ...] = ()
    description = "Slack, Teams, Discord, email (SMTP), ntfy, webhooks: any Apprise URL"

    def send(self, url: str, message: Message) -> None:
        """Send ``message`` to ``url`` or raise :class:`NotifyError` with Apprise's reason."""
        # Imported here: every command that loads plugins registers this notifier, and only
        # `pqa notify` needs Apprise (about 0.1 s to import).
        import apprise

        scheme = url.split("://", 1)[0].lower()
        if scheme in EMAIL_SCHEMES:
            body, body_format = message.html(), apprise.NotifyFormat.HTML
        elif scheme in WEBHOOK_SCHEMES:
            body, body_format = message.text(), apprise.NotifyFormat.TEXT
            url = _with_event_id(url, message.event_id)
        else:
            body, body_format = message.markdown(), apprise.NotifyFormat.MARKDOWN
        asset = apprise.AppriseAsset(
            storage_mode=apprise.PersistentStoreMode.MEMORY,
            service_timeout=SERVICE_TIMEOUT_SECONDS,
        )
        sender = apprise.Apprise(asset=asset)
        if not sender.add(url):
            raise NotifyError(f"not a URL Apprise can send to ({scheme}://...)")
        result = sender.notify(body=body, title=message.title(), body_format=body_format)
        if not result:
            problems = [e.message for e in result.logs() if e.level in ("WARNING", "ERROR")]
            raise NotifyError(problems[-1] if problems else "the service did not accept it")


def _with_event_id(url: str, event_id: str) -> str:
    """The webhook URL with the event id as a payload field and a header (Apprise's syntax)."""
    value = quote(event_id, safe="")
    joiner = "&" if "?" in url else "?"
    return f"{url}{joiner}:pqa_event_id={value}&+X-Pqa-Event-Id={value}"


@hookimpl
def register_notifiers(register):
    register(AppriseNotifier())
