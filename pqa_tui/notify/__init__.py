"""Alerts: new PQA moments, returns and stale claims pushed to where the team works.

``outbox`` queues events where they are recorded, ``delivery`` (``pqa notify``) sends what is
due through the notifiers (``channels``), writing each message with ``messages``. The built-in
notifier (Apprise) is a plugin of the ``register_notifiers`` hook like any other.
"""

BUILTIN_MODULES: tuple[str, ...] = ("pqa_tui.notify.apprise_notifier",)
