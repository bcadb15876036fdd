"""Made-up report text. Every generated title contains the word "Synthetic"."""

from __future__ import annotations

import random

# (agency code, regex on the title) in priority order; used to guess a real record's agency.
COMPONENT_RULES: tuple[tuple[str, str], ...] = (
    ("FEMA", r"FEMA|Federal Emergency Management|Disaster|Hurricane|Public Assistance"),
    ("CBP", r"\bCBP\b|Customs and Border|Border Patrol|Port of Entry"),
    ("ICE", r"\bICE\b|Immigration and Customs|Detention|Detainee"),
    ("TSA", r"\bTSA\b|Transportation Security|Airport|Secure Flight"),
    ("USCIS", r"USCIS|Citizenship and Immigration"),
    ("USCG", r"Coast Guard|USCG"),
    ("USSS", r"Secret Service|USSS"),
    ("CISA", r"\bCISA\b|Cybersecurity and Infrastructure"),
    ("MGMT", r"Financial Statement|\bDHS\b|Department|Management"),
)
WEIGHTS: dict[str, int] = {
    "CBP": 16,
    "FEMA": 20,
    "ICE": 10,
    "MGMT": 14,
    "TSA": 8,
    "USCIS": 6,
    "USCG": 7,
    "USSS": 4,
    "Others": 5,
    "CISA": 4,
}
TOPICS: dict[str, tuple[str, ...]] = {
    "CBP": (
        "Border Wall Contract Oversight",
        "Port of Entry Staffing",
        "Use of Force Reporting",
        "Short-Term Holding Facility Conditions",
        "Trade Enforcement",
    ),
    "FEMA": (
        "Public Assistance Grant Funds",
        "Disaster Recovery Contracts",
        "Hazard Mitigation Grants",
        "Individual Assistance Payments",
    ),
    "ICE": (
        "Detention Standards Compliance",
        "Alternatives to Detention Program",
        "Removal Operations Data",
    ),
    "MGMT": (
        "Financial Statements Audit",
        "IT Security Program",
        "Acquisition Management",
        "Information Sharing",
    ),
    "TSA": ("Checkpoint Screening Technology", "Airport Access Controls", "Secure Flight Vetting"),
    "USCIS": (
        "Benefit Fraud Referrals",
        "Employment Eligibility Verification",
        "Asylum Case Processing",
    ),
    "USCG": ("Cutter Acquisition Program", "Aviation Maintenance", "Drug Interdiction Reporting"),
    "USSS": ("Protective Mission Staffing", "Cybercrime Investigations"),
    "Others": ("Intelligence Product Reviews", "Weapons of Mass Destruction Countermeasures"),
    "CISA": ("Cyber Incident Response", "Chemical Facility Anti-Terrorism Standards"),
}
VERBS = ("Review", "Audit", "Evaluation", "Inspection")


def pick_component(rng: random.Random, exclude: str | None = None, fy: int = 2100) -> str:
    """A weighted random agency code (CISA only from FY 2019)."""
    codes = [c for c in WEIGHTS if c != exclude and (c != "CISA" or fy >= 2019)]
    return rng.choices(codes, weights=[WEIGHTS[c] for c in codes])[0]


def synthetic_title(kind: str, component: str, serial: int, rng: random.Random) -> str:
    """A plausible title, marked "Synthetic", ending in a 4-digit serial."""
    topic = rng.choice(TOPICS[component])
    if kind == "management_alert":
        return f"Management Alert - Synthetic {component} {topic} Concerns {serial:04d}"
    if kind == "whistleblower":
        return (
            "Synthetic Whistleblower Retaliation Report of Investigation Regarding Alleged "
            f"Reprisal Against a {component} Employee {serial:04d}"
        )
    return f"Synthetic {rng.choice(VERBS)} of {component} {topic} {serial:04d}"


def synthetic_summary(component: str, serial: int, rng: random.Random) -> str | None:
    """A made-up summary (about a third of reports), an empty one, or None."""
    roll = rng.random()
    if roll < 0.10:
        return ""
    if roll >= 0.45:
        return None
    topic = rng.choice(TOPICS[component])
    first = f"Synthetic summary {serial:04d}: We reviewed {component}'s {topic.lower()}."
    second = f"We made {rng.randint(1, 12)} recommendations to improve oversight & reporting."
    if rng.random() < 0.3:
        return f"{first}\n\n{second}"
    return f"{first}  {second}"
