"""CRM and file exporters, registered through the `register_exporters` hook."""

BUILTIN_MODULES: tuple[str, ...] = ()
