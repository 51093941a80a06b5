"""CRM and file exporters, registered through the `register_exporters` hook."""

BUILTIN_MODULES: tuple[str, ...] = tuple(
    f"pqa_tui.exporters.{name}" for name in ("salesforce", "hubspot", "csv_export", "json_export")
)
