"""Enumerations shared by the intake form, the API and the engines."""

from django.db import models


class Stage(models.TextChoices):
    BOOTSTRAPPED = "bootstrapped", "Bootstrapped (no outside funding)"
    PRE_SEED = "pre_seed", "Pre-seed"
    SEED = "seed", "Seed"
    SERIES_A = "series_a", "Series A"
    SERIES_B = "series_b", "Series B"
    SERIES_C_PLUS = "series_c_plus", "Series C or later"


class Industry(models.TextChoices):
    """The industry list of AWS Partner Central (ACE) opportunities, verbatim.

    tests/workloads/test_choices.py checks it against botocore's service model.
    """

    AEROSPACE = "Aerospace", "Aerospace"
    AGRICULTURE = "Agriculture", "Agriculture"
    AUTOMOTIVE = "Automotive", "Automotive"
    COMPUTERS_AND_ELECTRONICS = "Computers and Electronics", "Computers and Electronics"
    CONSUMER_GOODS = "Consumer Goods", "Consumer Goods"
    EDUCATION = "Education", "Education"
    ENERGY_OIL_AND_GAS = "Energy - Oil and Gas", "Energy - Oil and Gas"
    ENERGY_POWER_AND_UTILITIES = "Energy - Power and Utilities", "Energy - Power and Utilities"
    FINANCIAL_SERVICES = "Financial Services", "Financial Services"
    GAMING = "Gaming", "Gaming"
    GOVERNMENT = "Government", "Government"
    HEALTHCARE = "Healthcare", "Healthcare"
    HOSPITALITY = "Hospitality", "Hospitality"
    LIFE_SCIENCES = "Life Sciences", "Life Sciences"
    MANUFACTURING = "Manufacturing", "Manufacturing"
    MARKETING_AND_ADVERTISING = "Marketing and Advertising", "Marketing and Advertising"
    MEDIA_AND_ENTERTAINMENT = "Media and Entertainment", "Media and Entertainment"
    MINING = "Mining", "Mining"
    NON_PROFIT_ORGANIZATION = "Non-Profit Organization", "Non-Profit Organization"
    PROFESSIONAL_SERVICES = "Professional Services", "Professional Services"
    REAL_ESTATE_AND_CONSTRUCTION = "Real Estate and Construction", "Real Estate and Construction"
    RETAIL = "Retail", "Retail"
    SOFTWARE_AND_INTERNET = "Software and Internet", "Software and Internet"
    TELECOMMUNICATIONS = "Telecommunications", "Telecommunications"
    TRANSPORTATION_AND_LOGISTICS = "Transportation and Logistics", "Transportation and Logistics"
    TRAVEL = "Travel", "Travel"
    WHOLESALE_AND_DISTRIBUTION = "Wholesale and Distribution", "Wholesale and Distribution"
    OTHER = "Other", "Other"


class UseCase(models.TextChoices):
    CLASSIFICATION = "classification", "Classification / tagging"
    ROUTING_TRIAGE = "routing_triage", "Routing / triage"
    EXTRACTION = "extraction", "Data extraction"
    SUMMARIZATION = "summarization", "Summarization"
    SUPPORT_CHAT = "support_chat", "Customer support chat"
    RAG = "rag", "Question answering over documents (RAG)"
    CONTENT_GENERATION = "content_generation", "Content generation"
    CODING = "coding", "Coding assistant"
    MULTI_STEP_REASONING = "multi_step_reasoning", "Multi-step reasoning / agents"
    OTHER = "other", "Something else"


class Tier(models.TextChoices):
    HAIKU = "haiku", "Haiku (fast, cheapest)"
    SONNET = "sonnet", "Sonnet (balanced)"
    OPUS = "opus", "Opus (frontier)"


class Endpoint(models.TextChoices):
    """How Bedrock is called (the spend engine's `endpoint`)."""

    GLOBAL = "global", "Global cross-Region inference"
    REGIONAL = "regional", "In-Region (regional) endpoint"


class AwsRegion(models.TextChoices):
    """Regions where Amazon Bedrock serves Anthropic models."""

    US_EAST_1 = "us-east-1", "US East (N. Virginia)"
    US_EAST_2 = "us-east-2", "US East (Ohio)"
    US_WEST_2 = "us-west-2", "US West (Oregon)"
    CA_CENTRAL_1 = "ca-central-1", "Canada (Central)"
    SA_EAST_1 = "sa-east-1", "South America (São Paulo)"
    EU_WEST_1 = "eu-west-1", "Europe (Ireland)"
    EU_WEST_2 = "eu-west-2", "Europe (London)"
    EU_WEST_3 = "eu-west-3", "Europe (Paris)"
    EU_CENTRAL_1 = "eu-central-1", "Europe (Frankfurt)"
    EU_NORTH_1 = "eu-north-1", "Europe (Stockholm)"
    EU_SOUTH_1 = "eu-south-1", "Europe (Milan)"
    AP_SOUTH_1 = "ap-south-1", "Asia Pacific (Mumbai)"
    AP_NORTHEAST_1 = "ap-northeast-1", "Asia Pacific (Tokyo)"
    AP_NORTHEAST_2 = "ap-northeast-2", "Asia Pacific (Seoul)"
    AP_SOUTHEAST_1 = "ap-southeast-1", "Asia Pacific (Singapore)"
    AP_SOUTHEAST_2 = "ap-southeast-2", "Asia Pacific (Sydney)"


# "Cheapest tier that clears the bar": how much of each use case typically needs a bigger
# model. Choosing a use case on the intake form pre-fills these shares; founders can edit.
USE_CASE_PRESETS: dict[str, dict[str, float]] = {
    UseCase.CLASSIFICATION: {"sonnet": 0.03, "opus": 0.0},
    UseCase.ROUTING_TRIAGE: {"sonnet": 0.05, "opus": 0.0},
    UseCase.EXTRACTION: {"sonnet": 0.08, "opus": 0.0},
    UseCase.SUMMARIZATION: {"sonnet": 0.10, "opus": 0.0},
    UseCase.SUPPORT_CHAT: {"sonnet": 0.15, "opus": 0.02},
    UseCase.RAG: {"sonnet": 0.20, "opus": 0.02},
    UseCase.CONTENT_GENERATION: {"sonnet": 0.25, "opus": 0.05},
    UseCase.CODING: {"sonnet": 0.50, "opus": 0.15},
    UseCase.MULTI_STEP_REASONING: {"sonnet": 0.45, "opus": 0.25},
    UseCase.OTHER: {"sonnet": 0.20, "opus": 0.05},
}


# The US states and territories of ACE's address (botocore's partnercentral-selling model,
# Address.StateOrRegion, "Valid values"), by USPS code. Startup.state stores the name, as
# ACE takes it. ACE's military post entries (APO/AE, AFO/FPO, "FPO, AP") are left out: they
# are not where a company is registered.
US_STATES: dict[str, str] = {
    "AL": "Alabama",
    "AK": "Alaska",
    "AS": "American Samoa",
    "AZ": "Arizona",
    "AR": "Arkansas",
    "CA": "California",
    "CO": "Colorado",
    "CT": "Connecticut",
    "DE": "Delaware",
    "DC": "Dist. of Columbia",
    "FM": "Federated States of Micronesia",
    "FL": "Florida",
    "GA": "Georgia",
    "GU": "Guam",
    "HI": "Hawaii",
    "ID": "Idaho",
    "IL": "Illinois",
    "IN": "Indiana",
    "IA": "Iowa",
    "KS": "Kansas",
    "KY": "Kentucky",
    "LA": "Louisiana",
    "ME": "Maine",
    "MH": "Marshall Islands",
    "MD": "Maryland",
    "MA": "Massachusetts",
    "MI": "Michigan",
    "MN": "Minnesota",
    "MS": "Mississippi",
    "MO": "Missouri",
    "MT": "Montana",
    "NE": "Nebraska",
    "NV": "Nevada",
    "NH": "New Hampshire",
    "NJ": "New Jersey",
    "NM": "New Mexico",
    "NY": "New York",
    "NC": "North Carolina",
    "ND": "North Dakota",
    "MP": "Northern Mariana Islands",
    "OH": "Ohio",
    "OK": "Oklahoma",
    "OR": "Oregon",
    "PW": "Palau",
    "PA": "Pennsylvania",
    "PR": "Puerto Rico",
    "RI": "Rhode Island",
    "SC": "South Carolina",
    "SD": "South Dakota",
    "TN": "Tennessee",
    "TX": "Texas",
    "UT": "Utah",
    "VT": "Vermont",
    "VA": "Virginia",
    "VI": "Virgin Islands",
    "WA": "Washington",
    "WV": "West Virginia",
    "WI": "Wisconsin",
    "WY": "Wyoming",
}

# Other spellings founders type for the same place.
US_STATE_ALIASES: dict[str, str] = {
    "district of columbia": "DC",
    "washington dc": "DC",
    "washington d.c.": "DC",
    "washington, dc": "DC",
    "washington, d.c.": "DC",
    "us virgin islands": "VI",
    "u.s. virgin islands": "VI",
    "micronesia": "FM",
}

_US_STATE_LOOKUP: dict[str, str] = {
    **{code.casefold(): name for code, name in US_STATES.items()},
    **{name.casefold(): name for name in US_STATES.values()},
    **{alias: US_STATES[code] for alias, code in US_STATE_ALIASES.items()},
}


def us_state_name(value: object) -> str | None:
    """The name Startup.state stores for a US state or territory given as its two-letter
    code or its name, in any case ("wa", "Washington"); None for anything else."""
    if not isinstance(value, str):
        return None
    return _US_STATE_LOOKUP.get(" ".join(value.split()).casefold())
