"""Salesforce: an Accounts or Opportunities report exported as CSV, or a Data Loader export.

Matched on ``PQA_Account_Id__c`` (the External ID pqa's Account upsert fills), else on the
account's ``Website``. Opportunities carry ``Stage`` and, in Data Loader exports, ``IsWon`` /
``IsClosed``; ``Closed Won`` / ``Closed Lost`` are the standard closed stages.
"""

from __future__ import annotations

from .formats import CrmFormat

SALESFORCE = CrmFormat(
    name="salesforce",
    account_id=("pqaaccountid", "accountpqaaccountid"),
    domain=("website", "accountwebsite"),
    owner=("opportunityowner", "accountowner", "owner", "ownername", "ownerfullname"),
    stage=("stage", "stagename", "opportunitystage"),
    record=("opportunityid", "accountid", "id", "opportunityname", "accountname"),
    label=("opportunityname", "accountname", "name"),
    closed_at=("closedate",),
    won_flag=("won", "iswon"),
    closed_flag=("closed", "isclosed"),
    won_stages=("closedwon",),
    lost_stages=("closedlost",),
)
