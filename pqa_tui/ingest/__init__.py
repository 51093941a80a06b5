"""Reading analytics exports into the store."""

# Built-in input formats: each module registers through the `register_formats` hook.
BUILTIN_MODULES: tuple[str, ...] = (
    "pqa_tui.ingest.segment",
    "pqa_tui.ingest.amplitude",
    "pqa_tui.ingest.mixpanel",
    "pqa_tui.ingest.posthog",
    "pqa_tui.ingest.csv_format",
)
