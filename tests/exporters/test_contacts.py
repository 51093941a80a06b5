"""Contacts in every export: each exported account's buyers and admins, emailable from the CRM."""

from __future__ import annotations

import csv
import io
import json

import pytest

from pqa_tui.config import Config, config_from_dict
from pqa_tui.exporters.base import collect, run_exporter
from pqa_tui.exporters.contacts import contact_external_id
from pqa_tui.plugins import load_plugins
from pqa_tui.store import write

# user_id, account, email, name, role, seniority, department, traits
PEOPLE = [
    ("u-vp", "acme", "vera@acme.io", "Vera van Dam", "member", "VP", "engineering", {}),
    ("u-admin", "acme", "al@acme.io", "Al", "admin", "", "", {}),
    ("u-dev", "acme", "dev@acme.io", "Dev One", "member", "IC", "engineering", {}),
    ("u-ghost", "acme", "", "Nameless Director", "member", "Director", "", {}),
    ("u-cfo", "globex", "cf@globex.com", "", "member", "", "Finance",
     {"title": "Chief Financial Officer"}),
    ("u-hooli", "hooli", "boss@hooli.xyz", "Boss", "admin", "CEO", "", {}),
]  # fmt: skip


@pytest.fixture
def people_db(worked_db):
    with write(worked_db) as conn:
        for user_id, account, email, name, role, seniority, dept, traits in PEOPLE:
            conn.execute(
                "insert into users(user_id, email, name, role, seniority, department, traits) "
                "values (?, ?, ?, ?, ?, ?, ?)",
                [user_id, email or None, name, role, seniority, dept, json.dumps(traits)],
            )
            conn.execute(
                "insert into memberships(user_id, account_id) values (?, ?)", [user_id, account]
            )
    return worked_db


def files_of(db, fmt, now, config=None):
    data = collect(db, config or Config(), now=now)
    return {f.role: f for f in run_exporter(load_plugins(None), fmt, data)}


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_buyers_then_admins_with_email_of_exported_accounts_only(people_db, now):
    data = collect(people_db, Config(), now=now)
    got = [(c.account_id, c.user_id, c.reasons) for c in data.contacts]
    assert got == [
        ("acme", "u-vp", ["buyer persona: vp"]),
        ("acme", "u-admin", ["admin"]),
        ("globex", "u-cfo", ["buyer persona: chief"]),  # the title trait counts
    ]  # no plain member, nobody without an email, nothing from hooli (not exported)
    vera = data.contacts[0]
    assert (vera.first_name, vera.last_name, vera.title) == ("Vera van", "Dam", "VP")
    cfo = data.contacts[2]
    assert (cfo.first_name, cfo.last_name, cfo.title) == ("", "cf", "Chief Financial Officer")


def test_the_buyer_terms_come_from_the_detector_config(people_db, now):
    config = config_from_dict({"detectors": {"buyer_persona": {"seniorities": ["ic"]}}})
    data = collect(people_db, config, now=now)
    assert [(c.user_id, c.reasons) for c in data.contacts] == [
        ("u-dev", ["buyer persona: ic"]),
        ("u-admin", ["admin"]),
        ("u-cfo", ["buyer persona: finance"]),
    ]


def test_salesforce_contacts_file(people_db, now):
    contacts = rows(files_of(people_db, "salesforce", now)["contacts"].text)
    assert contacts[0] == {
        "PQA_Contact_Id__c": contact_external_id("acme", "u-vp"),
        "PQA_Account_Id__c": "acme",
        "FirstName": "Vera van",
        "LastName": "Dam",
        "Email": "vera@acme.io",
        "Title": "VP",
        "Department": "engineering",
        "PQA_Contact_Reason__c": "buyer persona: vp",
    }
    assert len({c["PQA_Contact_Id__c"] for c in contacts}) == 3


def test_hubspot_contacts_are_associated_by_company_domain(people_db, now):
    contacts = rows(files_of(people_db, "hubspot", now)["contacts"].text)
    assert [(c["Email"], c["Company Domain Name"], c["PQA Account ID"]) for c in contacts] == [
        ("vera@acme.io", "acme.io", "acme"),
        ("al@acme.io", "acme.io", "acme"),
        ("cf@globex.com", "globex.com", "globex"),
    ]
    assert contacts[2]["Job Title"] == "Chief Financial Officer"


def test_csv_and_json_contacts(people_db, now):
    contacts = rows(files_of(people_db, "csv", now)["contacts"].text)
    assert contacts[1]["reasons"] == "admin" and contacts[1]["user_id"] == "u-admin"
    doc = json.loads(files_of(people_db, "json", now)["export"].text)
    assert [c["email"] for c in doc["contacts"]] == ["vera@acme.io", "al@acme.io", "cf@globex.com"]
    assert doc["contacts"][0]["reasons"] == ["buyer persona: vp"]


def test_contact_ids_are_stable_across_exports(people_db, now):
    first = files_of(people_db, "salesforce", now)["contacts"].text
    assert files_of(people_db, "salesforce", now)["contacts"].text == first
