"""The one place the TOML config is read.

Everything downstream receives a typed :class:`Config`; nothing else opens the file. Every
error names the file, the dotted key and what was expected, because the person reading it is
editing a TOML file by hand.
"""

from __future__ import annotations

import dataclasses
import tomllib
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import PqaError

if TYPE_CHECKING:  # names for annotations only: plugins and detectors import this module
    from .detectors.base import Detector
    from .plugins import Plugins


class ConfigError(PqaError):
    """A config file that cannot be used; the message names file, key and expectation."""

    exit_code = 2

    def __init__(self, path: str | Path | None, key: str, message: str):
        self.path = str(path) if path else "<built-in defaults>"
        self.key = key
        self.message = message
        where = f"{self.path}: {key}" if key else self.path
        super().__init__(f"{where}: {message}")


@dataclass
class CsvMapping:
    """Which CSV column holds which part of an event (names are header names)."""

    account: str = "account_id"
    user: str = "user_id"
    event: str = "event"
    time: str = "timestamp"
    message_id: str = "message_id"


@dataclass
class IngestConfig:
    # Where the account id is looked for, first match wins. Dotted paths reach into objects;
    # "groups" / "$groups" may be objects whose first value is taken.
    account_keys: list[str] = field(
        default_factory=lambda: [
            "context.groupId",
            "groupId",
            "groups",
            "properties.$groups",
            "$groups",
            "properties.$group_id",
            "$group_id",
            "properties.account_id",
            "account_id",
            "properties.company_id",
            "company_id",
        ]
    )
    # Mixpanel puts everything in `properties`; this property names the account there.
    mixpanel_account_property: str = "account_id"
    # Amplitude `groups` key that names the account (first key if absent).
    amplitude_group_type: str = ""
    # PostHog `$groups` key that names the account (first key if absent).
    posthog_group_type: str = ""
    csv: CsvMapping = field(default_factory=CsvMapping)


@dataclass
class StorageConfig:
    """Which events carry storage growth, and which property holds the bytes added."""

    events: list[str] = field(default_factory=lambda: ["File Uploaded", "Storage Added"])
    property: str = "bytes"


@dataclass
class RolesConfig:
    """What counts as an admin, and which events announce a role change."""

    admin_roles: list[str] = field(default_factory=lambda: ["admin", "owner"])
    trait: str = "role"
    change_events: list[str] = field(default_factory=lambda: ["Role Changed"])


@dataclass
class PlansConfig:
    """How a paid account is recognised in product data."""

    trait: str = "plan"
    free_plans: list[str] = field(default_factory=lambda: ["free", "trial", ""])
    subscription_events: list[str] = field(
        default_factory=lambda: ["Subscription Started", "Order Completed"]
    )


@dataclass
class ScoringConfig:
    threshold: float = 10.0
    half_life_days: float = 14.0
    min_account_age_days: int = 14
    exclude_paid: bool = True
    exclude_domains: list[str] = field(default_factory=lambda: ["example.com", "test.com"])
    denylist: list[str] = field(default_factory=list)
    # A signal older than this (days) no longer counts at all.
    max_signal_age_days: int = 90
    # Gate: a PQA needs at least one live signal from an intent detector (pricing, legal pages,
    # an admin switch, a buyer; each detector's `intent`), not usage alone.
    require_intent: bool = True
    # One detect() call running longer than this is given up on: that detector is skipped
    # (and reported) for the rest of the run, and everything else is scored.
    detector_timeout_seconds: float = 10.0


@dataclass
class RoutingRule:
    owner: str = ""
    company_size_at_least: int = 0
    domain_suffix: str = ""
    plan: str = ""


@dataclass
class TriageConfig:
    team: list[str] = field(default_factory=list)
    daily_cap_per_person: int = 10
    sunset_cooldown_days: int = 14
    # A level detector brings a sunset account back when its value rises this share above its
    # value at the sunset (0.5: 9 active users then, 14 now).
    sunset_rise: float = 0.5
    # A claim with no note, contact, outcome or feedback for this many days goes back to the
    # pool (0: never).
    claim_expiry_days: int = 7
    # An account contacted within this many days is not surfaced as new again unless a
    # behavioural detector fires after the contact.
    contact_cooldown_days: int = 30
    feedback_reasons: list[str] = field(
        default_factory=lambda: [
            "buyer engaged",
            "right timing",
            "strong usage",
            "too early",
            "no buyer",
            "student or hobby",
            "internal or test",
            "existing customer",
        ]
    )
    round_robin: bool = False
    routing: list[RoutingRule] = field(default_factory=list)


# What a channel can be told about (``on``): a new PQA moment, a return from sunset/snooze,
# a claim gone stale, and the day's queue in one message.
NOTIFY_EVENTS = ("new", "back", "stale_claim", "digest")


@dataclass
class ChannelConfig:
    """One ``[[notify.channels]]`` table: where ``pqa notify`` delivers, and what."""

    name: str = ""
    # An Apprise URL (or a plugin notifier's); ${VAR} is read from the environment at send time.
    url: str = ""
    on: list[str] = field(default_factory=lambda: ["new", "back"])
    owner: str = ""  # only accounts owned by or routed to this person; "" = all
    digest: bool = False  # one message per run listing the accounts, not one per account


@dataclass
class NotifyConfig:
    channels: list[ChannelConfig] = field(default_factory=list)


@dataclass
class Config:
    """The whole configuration, with the built-in defaults as field defaults."""

    me: str = ""
    plugins_dir: str = "plugins"
    ingest: IngestConfig = field(default_factory=IngestConfig)
    # Semantic event kinds -> event names. Each kind becomes a daily rollup metric of the same
    # name, so detectors (built-in or plugin) read counts without scanning raw events.
    events: dict[str, list[str]] = field(
        default_factory=lambda: {
            "value": ["Document Created", "Board Created", "Project Created", "Report Shared"],
            "invite": ["User Invited", "Invite Sent"],
            "paywall": ["Paywall Hit", "Upgrade Prompt Shown", "Feature Locked"],
            "pricing": ["Pricing Viewed"],
        }
    )
    # Page path groups -> glob patterns matched against page path / URL path. Each group
    # becomes a rollup metric "page:<group>".
    pages: dict[str, list[str]] = field(
        default_factory=lambda: {
            "pricing": ["/pricing*", "/plans*", "/upgrade*"],
            "legal": ["/terms*", "/privacy*", "/security*", "/dpa*", "/legal*"],
        }
    )
    storage: StorageConfig = field(default_factory=StorageConfig)
    roles: RolesConfig = field(default_factory=RolesConfig)
    plans: PlansConfig = field(default_factory=PlansConfig)
    scoring: ScoringConfig = field(default_factory=ScoringConfig)
    # [detectors.NAME] tables: enabled, weight and the detector's own options. Checked against
    # each detector's declared options once plugins are loaded (detector_settings, below).
    detectors: dict[str, dict[str, Any]] = field(default_factory=dict)
    triage: TriageConfig = field(default_factory=TriageConfig)
    notify: NotifyConfig = field(default_factory=NotifyConfig)
    # Where this config came from, for error messages; not a TOML key.
    path: str | None = field(default=None, metadata={"internal": True})

    def plugins_path(self) -> Path:
        """``plugins_dir``, relative to the config file's folder when the config is a file."""
        folder = Path(self.plugins_dir)
        if not folder.is_absolute() and self.path:
            folder = Path(self.path).parent / folder
        return folder


def _type_name(tp: Any) -> str:
    origin = typing.get_origin(tp)
    if origin in (list,):
        (inner,) = typing.get_args(tp) or (Any,)
        return f"a list of {_type_name(inner)}"
    if origin in (dict,):
        return "a table"
    if dataclasses.is_dataclass(tp):
        return "a table"
    return {str: "a string", int: "an integer", float: "a number", bool: "true or false"}.get(
        tp, getattr(tp, "__name__", str(tp))
    )


def _coerce(value: Any, tp: Any, path: str | None, key: str) -> Any:
    """Check one TOML value against a field type and return it in that type."""
    origin = typing.get_origin(tp)
    if origin is typing.Union or origin is types.UnionType:
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        return _coerce(value, args[0], path, key)
    if dataclasses.is_dataclass(tp):
        if not isinstance(value, dict):
            raise ConfigError(path, key, f"expected a table, got {value!r}")
        return _build(tp, value, path, key)
    if origin is list:
        (inner,) = typing.get_args(tp)
        if not isinstance(value, list):
            raise ConfigError(path, key, f"expected {_type_name(tp)}, got {value!r}")
        return [_coerce(v, inner, path, f"{key}[{i}]") for i, v in enumerate(value)]
    if origin is dict:
        key_tp, val_tp = typing.get_args(tp)
        if not isinstance(value, dict):
            raise ConfigError(path, key, f"expected a table, got {value!r}")
        if val_tp is Any:
            return dict(value)
        return {k: _coerce(v, val_tp, path, f"{key}.{k}") for k, v in value.items()}
    if tp is Any:
        return value
    if tp is bool:
        if not isinstance(value, bool):
            raise ConfigError(path, key, f"expected true or false, got {value!r}")
        return value
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(path, key, f"expected a number, got {value!r}")
        return float(value)
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(path, key, f"expected an integer, got {value!r}")
        return value
    if tp is str:
        if not isinstance(value, str):
            raise ConfigError(path, key, f"expected a string, got {value!r}")
        return value
    raise ConfigError(path, key, f"unsupported value {value!r}")  # pragma: no cover


def _build(cls: type, data: dict[str, Any], path: str | None, prefix: str = "") -> Any:
    hints = typing.get_type_hints(cls)
    known = {f.name: f for f in dataclasses.fields(cls) if not f.metadata.get("internal")}
    kwargs = {}
    for name, value in data.items():
        key = f"{prefix}.{name}" if prefix else name
        if name not in known:
            choices = ", ".join(sorted(known))
            raise ConfigError(path, key, f"unknown setting; expected one of: {choices}")
        kwargs[name] = _coerce(value, hints[name], path, key)
    return cls(**kwargs)


def _check_ranges(config: Config) -> None:
    """Values that type-check but make no sense (negative windows, zero caps)."""
    path = config.path
    s = config.scoring
    if s.half_life_days <= 0:
        raise ConfigError(path, "scoring.half_life_days", "expected a number above 0")
    if s.detector_timeout_seconds <= 0:
        raise ConfigError(path, "scoring.detector_timeout_seconds", "expected a number above 0")
    for key in ("min_account_age_days", "max_signal_age_days"):
        if getattr(s, key) < 0:
            raise ConfigError(path, f"scoring.{key}", "expected 0 or more days")
    if config.triage.daily_cap_per_person < 0:
        raise ConfigError(path, "triage.daily_cap_per_person", "expected 0 or more")
    for key in ("sunset_cooldown_days", "claim_expiry_days", "contact_cooldown_days"):
        if getattr(config.triage, key) < 0:
            raise ConfigError(path, f"triage.{key}", "expected 0 or more days")
    if config.triage.sunset_rise <= 0:
        raise ConfigError(path, "triage.sunset_rise", "expected a share above 0, e.g. 0.5")
    for name, table in config.detectors.items():
        if not isinstance(table, dict):
            raise ConfigError(path, f"detectors.{name}", "expected a table")
    _check_channels(config)


def _check_channels(config: Config) -> None:
    """Every channel named once, with a URL, listening to known events only."""
    seen: set[str] = set()
    for i, channel in enumerate(config.notify.channels):
        key = f"notify.channels[{i}]"
        if not channel.name.strip():
            raise ConfigError(config.path, f"{key}.name", "expected a name (shown in output)")
        if channel.name in seen:
            raise ConfigError(config.path, f"{key}.name", f"{channel.name!r} is used twice")
        seen.add(channel.name)
        if not channel.url.strip():
            raise ConfigError(config.path, f"{key}.url", "expected an Apprise URL")
        for event in channel.on:
            if event not in NOTIFY_EVENTS:
                expected = ", ".join(NOTIFY_EVENTS)
                raise ConfigError(
                    config.path, f"{key}.on", f"unknown event {event!r}; expected: {expected}"
                )


def config_from_dict(data: dict[str, Any], path: str | Path | None = None) -> Config:
    """Build a validated Config from a parsed TOML document."""
    config = _build(Config, data, str(path) if path else None)
    config.path = str(path) if path else None
    _check_ranges(config)
    return config


def load_config(path: str | Path | None, *, required: bool = False) -> Config:
    """Read the TOML config at ``path``; built-in defaults when it does not exist.

    ``required`` is set when the user named the file explicitly, so a typo in the path is an
    error rather than a silent fall-back to defaults.
    """
    if path is None:
        return Config()
    p = Path(path)
    if not p.exists():
        if required:
            raise ConfigError(p, "", "file not found; run `pqa init` to write a starter config")
        return Config()
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(p, "", f"not valid TOML: {e}") from None
    except UnicodeDecodeError as e:
        raise ConfigError(p, "", f"not UTF-8 text: {e}") from None
    return config_from_dict(data, p)


def config_to_dict(config: Config) -> dict[str, Any]:
    """The config as a TOML-ready dict (used by `pqa init`)."""
    data = dataclasses.asdict(config)
    data.pop("path", None)
    return data


# -- [detectors.*], checked once the plugins are loaded ----------------------------------------
# A detector's options are only known once its plugin is loaded, so these checks run after
# load_config: ``pqa config check`` and every scoring run call detector_settings.

# Options of every detector that are not the detector's own.
COMMON_OPTIONS = ("enabled", "weight", "intent")


@dataclass
class DetectorSettings:
    """One detector as configured: its effective weight and options."""

    name: str
    detector: Detector
    plugin: str
    enabled: bool
    weight: float
    options: dict[str, Any]
    intent: bool = False  # its signals count for scoring.require_intent


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    return type(value).__name__


def _same_type(value: Any, default: Any) -> bool:
    if isinstance(default, bool) or isinstance(value, bool):
        return isinstance(value, bool) and isinstance(default, bool)
    if isinstance(default, float):
        return isinstance(value, (int, float))
    if isinstance(default, list):
        return isinstance(value, list) and (
            not default or all(_same_type(v, default[0]) for v in value)
        )
    return isinstance(value, type(default))


def _check_option(path: str | None, key: str, value: Any, default: Any) -> Any:
    if not _same_type(value, default):
        expected = _kind(default)
        if isinstance(default, list) and default:
            expected = f"a list of {_kind(default[0])}s"
        raise ConfigError(path, key, f"expected {expected} (default {default!r}), got {value!r}")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if key.endswith("_days") and value < 1:
            raise ConfigError(path, key, f"expected a window of 1 day or more, got {value!r}")
        if value < 0:
            raise ConfigError(path, key, f"expected 0 or more, got {value!r}")
        if isinstance(default, float):
            return float(value)
    return value


def detector_settings(config: Config, plugins: Plugins) -> list[DetectorSettings]:
    """Check ``[detectors.*]`` against the loaded detectors and return each one's settings.

    Raises :class:`ConfigError` naming the file and key: unknown detector, unknown option,
    wrong type (compared with the option's default), negative number or window under 1 day.
    """
    path = config.path
    for name in config.detectors:
        if name not in plugins.detectors:
            hint = ""
            if plugins.errors:
                broken = ", ".join(sorted({e.plugin for e in plugins.errors}))
                hint = f" (plugins that failed to load: {broken}; see `pqa plugins`)"
            choices = ", ".join(sorted(plugins.detectors))
            raise ConfigError(
                path, f"detectors.{name}", f"unknown detector; expected one of: {choices}{hint}"
            )
    settings = []
    for name, detector in plugins.detectors.items():
        table = config.detectors.get(name, {})
        defaults = dict(getattr(detector, "options", {}) or {})
        options = dict(defaults)
        enabled = True
        weight = float(getattr(detector, "default_weight", 1.0))
        intent = bool(getattr(detector, "intent", False))
        for key, value in table.items():
            dotted = f"detectors.{name}.{key}"
            if key == "enabled":
                enabled = _check_option(path, dotted, value, True)
            elif key == "weight":
                weight = _check_option(path, dotted, value, 1.0)
            elif key == "intent":
                intent = _check_option(path, dotted, value, True)
            elif key in defaults:
                options[key] = _check_option(path, dotted, value, defaults[key])
            else:
                known = ", ".join([*COMMON_OPTIONS, *sorted(defaults)])
                raise ConfigError(path, dotted, f"unknown option; expected one of: {known}")
        plugin = plugins.owners.get(("detector", name), "?")
        settings.append(DetectorSettings(name, detector, plugin, enabled, weight, options, intent))
    if config.scoring.require_intent and not any(s.enabled and s.intent for s in settings):
        raise ConfigError(
            path,
            "scoring.require_intent",
            "no enabled detector counts as intent, so no account could qualify: set "
            "`intent = true` under one [detectors.NAME], or require_intent = false",
        )
    return settings


def check_config(config: Config, plugins: Plugins) -> None:
    """Validate everything that needs the plugins loaded (``pqa config check``)."""
    detector_settings(config, plugins)
