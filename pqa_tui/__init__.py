"""pqa-tui: find product-qualified accounts in product-usage data and work them as a team."""

__version__ = "0.1.0"
