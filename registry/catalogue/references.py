"""The public documents the seed catalogue's facts come from, as the sources page describes
them. A seeded source links to its entry here (`/sources#<anchor>`), so it reads as a titled
link to a described reference, not a file name. Dates are given only as precisely as the
document itself gives them; an address only where the document states one.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Reference:
    anchor: str
    title: str
    publisher: str
    dated: str  # in words, as precise as the document is; empty when it gives no date
    covers: str
    address: str = ""  # where the document itself says it is published


REFERENCES: tuple[Reference, ...] = (
    Reference(
        "audit-scotland-digital-progress",
        "Digital progress in local government",
        "Audit Scotland",
        "Report of January 2021, presented in a talk on 20 May 2022",
        "Scotland's 32 councils and the Local Government Digital Office; the six "
        "characteristics of a digital council; findings, recommendations and a checklist for "
        "elected members.",
        "http://www.audit-scotland.gov.uk/reports/e-hubs/digital-e-hub",
    ),
    Reference(
        "digital-office-business-plan-news",
        "New digital blueprint calls for greater collaboration across Scottish local government",
        "FutureScot (news article)",
        "Not dated; the business plan it reports sets milestones for 2019 to 2021",
        "The Digital Office 2.0 business plan: digital telecare, Microsoft 365 federation, a "
        "Digital Design Board, a robotic process automation framework with Scotland Excel, a "
        "digital maturity model and innovation challenges.",
    ),
    Reference(
        "transforming-government-consultation",
        "Renewing Scotland's full potential in a digital world: consultation, chapter 6, "
        "Transforming Government",
        "Scottish Government",
        "Not dated; written during the coronavirus pandemic",
        "Once-for-Scotland services, a process-automation centre of excellence, the Scottish "
        "Digital Academy, pooled digital expertise, and case studies of myjobscotland and the "
        "Digital Office.",
    ),
    Reference(
        "audit-scotland-good-practice-guide",
        "Digital progress in local government: good practice guide",
        "Audit Scotland",
        "Not dated; its most recent example is from July 2021",
        "Council examples for each characteristic of a digital council, SEEMiS, the social "
        "work case management procurement through Scotland Excel, CivTech, Connecting Scotland "
        "and Glasgow's school clothing grant data matching.",
    ),
    Reference(
        "lga-digitalisation",
        "Digitalisation and embracing technology",
        "Local Government Association (England and Wales)",
        "Not dated",
        "Twelve shared strategic outcomes, the Digitalisation Almanac, Cyber 360 peer "
        "challenges and a digital, data and cyber skills framework.",
    ),
)
