"""The WorkAllies policy parses into the structure a reader sees in it.

The outline below was written by reading corpus/workallies-privacy-policy.txt, not by
dumping the parser: every section, every paragraph and every bullet with its parent.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from policy_checks import assert_invariants, assert_outline, clause_depth

from assistant.policy import Policy, iter_sentences, load_policy, parse_policy

WORKALLIES_OUTLINE = """
# Introduction
Last Updated: Jun 7, 2024
At WorkAllies, we take your privacy seriously.
When you access or use www.WorkAllies.com

# Information We Collect
When you register on our Site, we request
Furthermore, we gather information during your use
Additionally, to improve your online experience
Upon registration, your username and the timestamp

# How is Information collected by us?
Most of the information we gather is provided directly by you.

# How Do we Use the Collected Information?
We use your personal information for purposes aligned
Processing of your personal information is justified
In most cases, processing is justified based on:
> Your consent for a particular purpose.
> Necessity to perform a contract
> Compliance with relevant legal or regulatory obligations
> Support of our legitimate business interests
Using your personal information for various business purposes:
> Providing quality service and security.
> Verifying your identity.
> Setting up and managing your account.
> Handling password verification or re-issuance.
> Logging your activity and periodic communication.
> Improving services and customizing your browsing experience.
> Tracking fraudulent and inappropriate activities
> Maintaining proper business records and compliance:
>> Meeting lawful requests by public authorities.
>> Complying with applicable laws and regulations.
> Enhancing user experience:
>> Minimizing repeated entry of personal information.
> Marketing and promotional communications:
>> Sending with your consent.
> Delivering requested products or services:
>> Fulfilling and managing orders.
>> Assisting in completing purchases or transactions.
>> Handling returns and processing refunds.
> Content relevance and updates:
>> Creating and publishing content tailored to you.
>> Alerting you of product additions
> Feedback and support:
>> Requesting feedback and assistance.
>> Filling out support requests.
> Administrative communication:
>> Sending administrative information about the Service.
> Service protection and enforcement:
>> Safeguarding the Service.
>> Enforcing Terms of Use, Licensing Agreement
> Usage trends and data analysis:
>> Identifying usage trends and conducting data analysis.
We will ask your consent before using information

# Direct marketing
Using your personal information for direct marketing:
> We use your personal information to send direct marketing
> These communications may be delivered via email
> Our processing of your personal information for marketing
> You have the right to stop receiving direct marketing at any time.
> We take measures to limit direct marketing
You have the right to request that we stop contacting you

# How Long Do We Keep Personal Information?
We generally keep personal information only for as long as necessary
> We keep personal information as long as it remains essential
> For example, to maintain accurate records
> Personal information from closed accounts is retained for various reasons:
>> To comply with relevant laws.
>> Prevent fraud.
>> Recover outstanding fees.
>> Resolve disputes.
>> Address issues.
>> Aid investigations.
>> Enforce Site terms.
>> Undertake other lawful actions.

# Children
WorkAllies is exclusively for users aged 18 and above

# Sharing Personal Information with Third Parties
We don't sell or rent your personal information
We may combine your personal data
We may share your personal details with third parties only
> Sharing with Service Providers:
>> Personal information may be shared with service providers
>> Service providers include payment vendors
>> Contracts with service providers prohibit
>> We ensure third parties adequately safeguard
> Compliance and Legal Obligations:
>> Personal information may be disclosed in response to subpoenas
>> Disclosure may occur when necessary
>> Information may also be shared to respond to claims
> Service Security and Fraud Protection:
>> Personal information may be used to secure the Service
>> While we don't collect credit information
>> Payment information provided to payment vendors
> Business Transitions:
>> Your personal information may be disclosed in the event
>> This disclosure may involve the transfer
We never sell or rent your personal information, and if

# Where We Store Your Personal Information
Some of the personal information you provide to us may be stored

# Cookies
We use various cookies to optimize your browsing experience.

# Do Not Track
We do not honor browser requests not to be tracked online

# External Links
The Site contains links to third-party sites.
Data provided to and used by these third-party sites
It's advisable to review the privacy policies
This Policy applies solely to personal information collected by our Site.
If you upload content, including personal information, to a social network
> Your submission is subject to the terms of use
> This applies even if you post on an official Workallies page
> Workallies does not oversee these terms of use
> Their adequacy has not been evaluated.
> Therefore, it's recommended that you review them

# Security
We employ technical and organisational measures
> These measures aim to prevent unauthorized access
> They encompass industry-standard technologies
> Our Payment Gateway/ Payment Service Providers are PCI DSS certified
> Through contractual agreements, we ensure
> While we strive to safeguard your personal information
> Despite our efforts, we cannot guarantee
> Upon receiving your data, we implement strict procedures
> Registered users are obligated to maintain strict confidentiality
Additional details about our data security practices

# Your Data Protection Rights
Your rights regarding the protection of your data:
Access: You can request a copy of your personal information
Rectification: You can ask us to correct
Erasure: Under certain conditions
Restriction of Processing: You have the right to limit
Objection to Processing: You can object to automated decision-making
We may require additional information to confirm your identity
You have one month to receive a response to your request.

# Updating Personal Information
We take steps to ensure that the personal information we collect is accurate
You can review and change your personal information
If you delete your User Generated Content (UGC)

# Contact Us
To exercise any of your rights regarding your personal information
For any questions or comments regarding this Policy
"""


@pytest.fixture(scope="module")
def policy(policy_path: Path) -> Policy:
    return load_policy(policy_path)


def test_structure_matches_the_outline_read_from_the_policy(policy: Policy) -> None:
    assert_outline(policy, WORKALLIES_OUTLINE)
    assert len(policy.sections) == 16


def test_parser_invariants_hold(policy: Policy) -> None:
    assert_invariants(policy)


def test_every_bullet_of_the_source_is_a_bullet_clause(policy: Policy) -> None:
    source_bullets = [
        line.strip().removeprefix("•").strip()
        for line in policy.text.splitlines()
        if line.strip().startswith("•")
    ]
    assert [c.text for c in policy.clauses if c.kind == "bullet"] == source_bullets
    assert len(source_bullets) == 4 + 31 + 5 + 11 + 16 + 9 + 8


def test_examples_from_the_issue(policy: Policy) -> None:
    by_text = {c.text: c for c in policy.clauses}
    prevent = by_text["Prevent fraud."]
    assert (
        policy.parent(prevent)
        == by_text["Personal information from closed accounts is retained for various reasons:"]
    )
    enhancing = by_text["Enhancing user experience:"]
    maintaining = by_text["Maintaining proper business records and compliance:"]
    assert enhancing.parent_id == maintaining.parent_id
    assert policy.parent(enhancing).text.startswith("Using your personal information for various")
    providers = by_text["Sharing with Service Providers:"]
    assert [c.text.split()[0] for c in policy.children(providers)] == [
        "Personal",
        "Service",
        "Contracts",
        "We",
    ]
    security_lead = policy.in_section("security")[0]
    assert security_lead.text.endswith(",")
    assert len(policy.children(security_lead)) == 8
    assert all(c.parent_id == security_lead.id for c in policy.in_section("security")[1:-1])


def test_ids_are_readable_and_follow_the_structure(policy: Policy) -> None:
    by_text = {c.text: c for c in policy.clauses}
    assert by_text["Prevent fraud."].id == "how-long-do-we-keep-personal-information-1.3.2"
    assert policy.in_section("cookies")[0].id == "cookies-1"
    assert by_text["Enhancing user experience:"].id == "how-do-we-use-the-collected-information-4.9"
    for clause in policy.clauses:
        assert re.fullmatch(r"[a-z0-9-]+-\d+(\.\d+)*", clause.id), clause.id
        assert clause.id.startswith(clause.section_id + "-")
        assert clause.id.count(".") == clause_depth(policy, clause)
        if clause.parent_id:
            assert clause.id.rsplit(".", 1)[0] == clause.parent_id


def test_title_date_hash_and_version(policy: Policy) -> None:
    assert policy.title == "Privacy Policy"
    assert policy.last_updated == date(2024, 6, 7)
    assert policy.title_span is not None
    start, end = policy.title_span
    assert policy.text[start:end] == "Privacy Policy Last update 6 months ago"
    assert len(policy.content_hash) == 64
    assert policy.version == f"2024-06-07+{policy.content_hash[:10]}"
    assert policy.source == "workallies-privacy-policy.txt"


def test_version_changes_with_any_edit_and_only_then(policy: Policy) -> None:
    again = parse_policy(policy.text, source="elsewhere.txt")
    assert again.version == policy.version
    edited = parse_policy(policy.text.replace("seriously", "very seriously"))
    assert edited.version != policy.version
    assert edited.version.startswith("2024-06-07+")


def test_sentences_split_where_a_reader_would(policy: Policy) -> None:
    intro = policy.in_section("introduction")[1]
    sentences = [intro.text[s:e] for s, e in iter_sentences(intro.text)]
    assert sentences == [
        "At WorkAllies, we take your privacy seriously.",
        "Our Privacy Policy explains how we handle your personal information.",
        "Whether you’re actively using our platform or just browsing our website, "
        "this Policy applies to how we handle your data.",
    ]
    site = policy.in_section("introduction")[2]
    first = next(iter_sentences(site.text))
    assert site.text[first[0] : first[1]].endswith("read and understood this Policy.")
    assert "www.WorkAllies.com or create" in site.text[first[0] : first[1]]


def test_sentences_do_not_split_after_eg(policy: Policy) -> None:
    bullets = [c for c in policy.clauses if "(e.g." in c.text]
    assert len(bullets) == 3
    for clause in bullets:
        assert len(list(iter_sentences(clause.text))) == 1, clause.text
