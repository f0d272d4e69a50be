"""The words the synthetic ledger's names and texts are made of."""

from __future__ import annotations

AREAS = [
    "discharge planning",
    "community mental health",
    "the frailty pathway",
    "primary care access",
    "hospital at home",
    "support for carers",
    "children's services",
    "data sharing",
    "workforce wellbeing",
    "housing and health",
    "shared estates",
    "digital inclusion",
    "health inequalities",
    "urgent care",
    "prevention",
    "end of life care",
]
VERBS = ["Adopt", "Pilot", "Fund", "Pause", "Extend", "Review", "Merge", "Commission", "Stop"]
THINGS = [
    "a shared caseload review",
    "the joint triage rota",
    "weekly multi-agency huddles",
    "a single referral form",
    "the peer support scheme",
    "a community connector role",
    "the evaluation framework",
    "the outcomes dashboard",
    "a lived-experience panel",
    "the pooled budget arrangement",
    "a shared care record pilot",
    "the out-of-hours escalation route",
]
PRINCIPLES = [
    "Decisions are taken as close as possible to the people they affect.",
    "Anyone affected by a decision can raise an objection before it is agreed.",
    "We share information by default and withhold it only for a stated reason.",
    "People with lived experience take part from the start, not at the end.",
    "We fund what works across organisations, not what suits one budget.",
    "Every accountability has one named holder at any time.",
    "We review each agreed decision within a year of it taking effect.",
    "Disagreement is welcome; it is worked through in the open.",
]
GROUP_NAMES = [
    ("System Leadership Board", "coordinating group"),
    ("Frailty Transformation Group", "transformation group"),
    ("Mental Health Alliance", "transformation group"),
    ("Children and Families Partnership", "transformation group"),
    ("Primary Care Collaborative", "transformation group"),
    ("Urgent Care Design Team", "design team"),
    ("Discharge to Assess Team", "design team"),
    ("Carers' Voice Panel", "community of practice"),
    ("Data and Digital Group", "working group"),
    ("Workforce Wellbeing Circle", "community of practice"),
    ("Estates Working Group", "working group"),
    ("Health Inequalities Forum", "transformation group"),
    ("Neighbourhood Team North", "design team"),
    ("Neighbourhood Team South", "design team"),
    ("Neighbourhood Team East", "design team"),
    ("End of Life Care Network", "community of practice"),
    ("Prevention Programme Board", "coordinating group"),
    ("Housing and Health Group", "working group"),
    ("Finance and Pooled Budgets Group", "working group"),
    ("Evaluation and Learning Group", "working group"),
]
ORGANISATIONS = [
    ("Riverside University Hospitals NHS Trust", "statutory_health"),
    ("Northfield Community Health NHS Trust", "statutory_health"),
    ("Mid Vale Mental Health Foundation Trust", "statutory_health"),
    ("Riverside Central Primary Care Network", "primary_care"),
    ("Eastbrook Primary Care Network", "primary_care"),
    ("Riverside City Council", "local_authority"),
    ("Vale District Council", "local_authority"),
    ("Riverside Integrated Care Board", "commissioner"),
    ("Age Well Riverside", "vcse"),
    ("Carers Together", "vcse"),
    ("Riverside Housing Association", "vcse"),
    ("Voices of Experience Collective", "lived_experience"),
]
FIRST = ["Amara", "Ben", "Chloe", "Dev", "Elif", "Femi", "Grace", "Hamid", "Ines", "Jon"]
LAST = ["Adeyemi", "Brown", "Chen", "Davies", "Evans", "Fraser", "Gupta", "Hughes", "Iqbal"]
