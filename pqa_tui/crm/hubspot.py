"""HubSpot: a Companies or Deals export (CSV).

Matched on the ``PQA Account ID`` property (which pqa's companies import fills), else on
``Company Domain Name`` / ``Website URL``. Deals carry ``Deal Stage`` (``closedwon`` /
``closedlost`` or their labels); companies carry ``Lifecycle Stage``, where ``customer`` is
what HubSpot sets when a deal closes won.
"""

from __future__ import annotations

from .formats import CrmFormat

HUBSPOT = CrmFormat(
    name="hubspot",
    account_id=("pqaaccountid",),
    domain=("companydomainname", "websiteurl", "domain", "associatedcompanydomainname"),
    owner=("dealowner", "companyowner", "hubspotowner", "owner"),
    stage=("dealstage", "lifecyclestage", "stage"),
    record=("recordid", "dealid", "companyid", "dealname", "companyname"),
    label=("dealname", "companyname", "name"),
    closed_at=("closedate",),
    won_flag=("isclosedwon",),
    closed_flag=("isdealclosed", "isclosed"),
    won_stages=("closedwon", "customer"),
    lost_stages=("closedlost",),
)
