"""CRM results flowing back: owners, stages and closed-won / closed-lost from a CRM export.

:func:`pqa_tui.crm.results.import_results` reads a Salesforce or HubSpot export (or a plain
CSV), matches its rows to accounts (:mod:`.matching`) and records them through
:func:`pqa_tui.triage.record_crm_result`. ``pqa crm import`` is its face.
"""
