"""Signal detectors: the built-ins, registered through the same hook as outside plugins."""

BUILTIN_MODULES: tuple[str, ...] = tuple(
    f"pqa_tui.detectors.{name}"
    for name in (
        "seat_count",
        "usage_volume",
        "velocity",
        "storage_velocity",
        "admin_switch",
        "legal_pages",
        "pricing_views",
        "paywall_hits",
        "buyer_persona",
        "invite_spike",
    )
)
