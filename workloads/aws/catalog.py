"""Claude on Bedrock as AWS lists it: the model catalog and the Price List.

Adapters only: each function takes a boto3 client made elsewhere (workloads.aws.catalog_clients
in production, a client wrapped in botocore.stub.Stubber in tests) and returns plain
dataclasses. Nothing here touches the database. AWS's answers are read defensively: an item
whose shape or unit we do not recognise is skipped and logged, never guessed at.
"""

import datetime as dt
import json
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from .paging import dicts, pages

logger = logging.getLogger(__name__)

PRICING_SERVICE_CODE = "AmazonBedrockFoundationModels"
PRICING_REGION = "us-east-1"  # the Price List API answers from us-east-1 only
PRICE_PAGE_SIZE = 100  # get_products answers at most 100 items a page
SERVICE_NAME_SUFFIX = " (Amazon Bedrock Edition)"
# FoundationModelLifecycleStatus in botocore's bedrock model is ACTIVE | LEGACY; AWS's Model
# lifecycle guide names a third state, End-of-Life, which is accepted here as END_OF_LIFE.
LIFECYCLE_STATUSES = ("ACTIVE", "LEGACY", "END_OF_LIFE")
MARKETPLACE_DESCRIPTION = "AWS Marketplace software usage|"
MONEY_PLACES = Decimal("0.0001")  # ModelPrice stores USD per 1M tokens with 4 decimals
MILLION = Decimal(1_000_000)

# Provisioned-throughput variants with another context window, such as
# "anthropic.claude-3-haiku-20240307-v1:0:200k", share the base model's name and prices.
_CONTEXT_VARIANT = re.compile(r":\d+:\d+k$")
_FOUNDATION_MODEL_ARN = re.compile(r":foundation-model/(?P<model_id>[^/]+)$")
_UNIT = re.compile(
    r"^(?:per\s+)?(?P<count>\d[\d,]*(?:\.\d+)?)?\s*(?P<scale>k|m|thousand|million)?\s*tokens?$"
)
# "$0.25 per 1M input tokens", "Price per 1 million input tokens"
_DESCRIBED_UNIT = re.compile(
    r"\bper\s+(?P<unit>\d[\d,]*\s*(?:k|m|thousand|million)?|thousand|million)\s+"
    r"(?:\w+\s+)?tokens?\b",
    re.IGNORECASE,
)
# The Marketplace form, a count first: "Million Input Tokens Global", "Million 1 hour Cache
# Write Input Tokens Regional CRIS", "Million batch input tokens".
_COUNTED_TOKENS = re.compile(
    r"^(?P<unit>million|thousand|\d[\d,]*\s*(?:k|m)?)\s+(?:\S+\s+)*?tokens?\b", re.IGNORECASE
)
_EDITION_SUFFIX = re.compile(r"\s*\((?:amazon\s+)?bedrock\s+edition\)$", re.IGNORECASE)
_CACHE_WRITE_TTL = re.compile(r"cachewrite(?:input)?(?:tokens?)?(?P<ttl>\d+[hm])")
_SCALES = {None: Decimal(1), "k": Decimal(1000), "thousand": Decimal(1000)}
_SCALES |= {"m": MILLION, "million": MILLION}
# Meters that are not on-demand token prices of the standard tier, or that the price book
# does not model (long context above 200K tokens, Flex and Priority tiers).
_SKIPPED_METERS = (
    "provisioned",
    "reserved",
    "latencyoptimized",
    "storage",
    "customization",
    "training",
    "lctx",
    "longctx",
    "longcontext",
    "custommodel",
    "flex",
    "priority",
    "image",
    "video",
    "audio",
)

PRICE_FIELDS = (
    "input",
    "output",
    "cache_write_5m",
    "cache_write_1h",
    "cache_read",
    "batch_input",
    "batch_output",
)


@dataclass(frozen=True)
class CatalogModel:
    """One Anthropic foundation model as `bedrock.list_foundation_models` lists it."""

    model_id: str
    name: str
    # "ACTIVE", "LEGACY", "END_OF_LIFE", or None when AWS did not say (or said something else)
    lifecycle_status: str | None
    inference_types: tuple[str, ...] = ()
    profile_ids: tuple[str, ...] = ()  # system-defined inference profiles serving it
    end_of_life_time: dt.datetime | None = None  # modelLifecycle.endOfLifeTime, when given

    @property
    def is_legacy(self) -> bool:
        return self.lifecycle_status == "LEGACY"

    @property
    def is_end_of_life(self) -> bool:
        return self.lifecycle_status == "END_OF_LIFE"

    @property
    def has_global_profile(self) -> bool:
        return any(profile.startswith("global.") for profile in self.profile_ids)

    @property
    def has_regional_profile(self) -> bool:
        return any(not profile.startswith("global.") for profile in self.profile_ids)


@dataclass(frozen=True)
class PricePoint:
    """One on-demand (or batch) token price of a Claude model from the Price List."""

    model_name: str  # "Claude Haiku 4.5", the servicename without " (Amazon Bedrock Edition)"
    kind: str  # one of PRICE_FIELDS
    # "global" (the global cross-region profile) or "regional": in-region calls and the
    # geographic profiles (us., eu.: "Regional CRIS"), which AWS prices alike.
    scope: str
    usd_per_million: Decimal
    usagetype: str
    unit: str
    description: str = ""  # the price dimension's, e.g. "...|Million Input Tokens Global"
    sku: str = ""


@dataclass
class ModelQuote:
    """A model's prices gathered from its PricePoints, in USD per 1M tokens."""

    model_name: str
    global_prices: dict[str, Decimal] = field(default_factory=dict)
    regional_prices: dict[str, Decimal] = field(default_factory=dict)

    def prices(self, *, prefer_global: bool = True) -> dict[str, Decimal]:
        """One price per kind: the preferred scope's, the other scope's where it has none."""
        first, second = (
            (self.global_prices, self.regional_prices)
            if prefer_global
            else (self.regional_prices, self.global_prices)
        )
        return {**second, **first}

    @property
    def regional_premium(self) -> bool | None:
        """Whether in-region calls cost more than the global profile; None if unknown."""
        regional = self.regional_prices.get("input")
        global_ = self.global_prices.get("input")
        if regional is None or global_ is None:
            return None
        return regional > global_


# --- bedrock: the model catalog ----------------------------------------------------------


def list_anthropic_models(bedrock_client) -> list[CatalogModel]:
    """Anthropic's foundation models with lifecycle status and inference profiles.

    Calls `list_foundation_models(byProvider="Anthropic")` once (the operation has no
    nextToken: AWS answers with every summary) and pages `list_inference_profiles(
    typeEquals="SYSTEM_DEFINED")` through botocore's paginator. Each summary carries
    `modelLifecycle: {"status": "ACTIVE" | "LEGACY" | ..., "endOfLifeTime": ...}`.
    Context-window variants of a model are left out; so are summaries without a model id.
    """
    response = bedrock_client.list_foundation_models(byProvider="Anthropic")
    profiles = _profiles_by_model(bedrock_client)
    models: dict[str, CatalogModel] = {}
    for summary in dicts(response.get("modelSummaries")):
        model_id = summary.get("modelId")
        if not isinstance(model_id, str) or not model_id.startswith("anthropic."):
            logger.info("catalog: skipping a model summary without an Anthropic id: %r", model_id)
            continue
        if _CONTEXT_VARIANT.search(model_id):
            continue
        status, end_of_life = _lifecycle(summary.get("modelLifecycle"), model_id)
        inference_types = summary.get("inferenceTypesSupported")
        models[model_id] = CatalogModel(
            model_id=model_id,
            name=str(summary.get("modelName") or model_id),
            lifecycle_status=status,
            inference_types=tuple(map(str, inference_types))
            if isinstance(inference_types, list)
            else (),
            profile_ids=tuple(sorted(profiles.get(model_id, ()))),
            end_of_life_time=end_of_life,
        )
    return list(models.values())


def _lifecycle(lifecycle: Any, model_id: str) -> tuple[str | None, dt.datetime | None]:
    """(status, endOfLifeTime) of a summary's modelLifecycle; None for what AWS did not say."""
    if not isinstance(lifecycle, dict):
        return None, None
    status = lifecycle.get("status")
    if status is not None and status not in LIFECYCLE_STATUSES:
        logger.warning("catalog: %s has an unknown lifecycle status %r", model_id, status)
    end_of_life = lifecycle.get("endOfLifeTime")
    return (
        status if status in LIFECYCLE_STATUSES else None,
        end_of_life if isinstance(end_of_life, dt.datetime) else None,
    )


def _profiles_by_model(bedrock_client) -> dict[str, set[str]]:
    """Profile ids per foundation-model id, read from each profile's `models[].modelArn`."""
    profiles: dict[str, set[str]] = {}
    listing = pages(bedrock_client, "list_inference_profiles", {"typeEquals": "SYSTEM_DEFINED"})
    for page in listing:
        for profile in dicts(page.get("inferenceProfileSummaries")):
            profile_id = profile.get("inferenceProfileId")
            if not isinstance(profile_id, str):
                continue
            for model in dicts(profile.get("models")):
                match = _FOUNDATION_MODEL_ARN.search(str(model.get("modelArn", "")))
                if match:
                    profiles.setdefault(match["model_id"], set()).add(profile_id)
    return profiles


@dataclass(frozen=True)
class CatalogProfile:
    """One system-defined inference profile as `list_inference_profiles` lists it in a
    Region: the id a caller passes as `modelId`, its ARN, and the foundation-model ARNs
    (one per Region it routes to) it serves."""

    profile_id: str  # "global.anthropic.claude-haiku-4-5-20251001-v1:0", "us.anthropic..."
    arn: str
    name: str
    status: str  # "ACTIVE" as AWS lists it
    model_ids: tuple[str, ...]  # base foundation-model ids (usually one)
    model_arns: tuple[str, ...]  # arn:aws:bedrock:<region>::foundation-model/<id>, per Region


def list_system_profiles(bedrock_client) -> list[CatalogProfile]:
    """Every system-defined inference profile serving an Anthropic model in the client's
    Region (botocore's paginator). A profile without an id, an ARN or a readable model ARN
    is skipped and logged."""
    profiles = []
    listing = pages(bedrock_client, "list_inference_profiles", {"typeEquals": "SYSTEM_DEFINED"})
    for page in listing:
        for summary in dicts(page.get("inferenceProfileSummaries")):
            profile_id, arn = summary.get("inferenceProfileId"), summary.get("inferenceProfileArn")
            arns = tuple(sorted({str(m.get("modelArn", "")) for m in dicts(summary.get("models"))}))
            model_ids = tuple(
                sorted(
                    {
                        m["model_id"]
                        for a in arns
                        if (m := _FOUNDATION_MODEL_ARN.search(a)) is not None
                    }
                )
            )
            if not isinstance(profile_id, str) or not isinstance(arn, str) or not model_ids:
                logger.info("catalog: skipping an unreadable inference profile %r", profile_id)
                continue
            if not all(model_id.startswith("anthropic.") for model_id in model_ids):
                continue
            profiles.append(
                CatalogProfile(
                    profile_id=profile_id,
                    arn=arn,
                    name=str(summary.get("inferenceProfileName") or profile_id),
                    status=str(summary.get("status") or ""),
                    model_ids=model_ids,
                    model_arns=tuple(a for a in arns if _FOUNDATION_MODEL_ARN.search(a)),
                )
            )
    return profiles


# --- pricing: the Price List -----------------------------------------------------------


def fetch_bedrock_prices(pricing_client, *, region_code: str = PRICING_REGION) -> list[PricePoint]:
    """Claude's token prices in `region_code`, normalised to USD per 1M tokens.

    Pages `pricing.get_products(ServiceCode="AmazonBedrockFoundationModels")`, filtered on
    the region, through botocore's paginator (100 items a page, NextToken between pages).
    Each page's PriceList is a list of JSON strings, one product with its terms each. Items
    that are not Claude token prices, or whose JSON, price or unit cannot be read, are
    skipped.
    """
    request = {
        "ServiceCode": PRICING_SERVICE_CODE,
        "Filters": [{"Type": "TERM_MATCH", "Field": "regionCode", "Value": region_code}],
        "FormatVersion": "aws_v1",
        "PaginationConfig": {"PageSize": PRICE_PAGE_SIZE},
    }
    points: list[PricePoint] = []
    for page in pages(pricing_client, "get_products", request):
        price_list = page.get("PriceList")
        for raw in price_list if isinstance(price_list, list) else ():
            point = parse_price_item(raw, region_code=region_code)
            if point is not None:
                points.append(point)
    return points


def parse_price_item(raw: Any, *, region_code: str = PRICING_REGION) -> PricePoint | None:
    """One Price List item (a JSON string) as a PricePoint, or None when it is not one.

    An item is `{"product": {"attributes": {...}, "sku": ...}, "terms": {"OnDemand": ...}}`.
    The model is named by `servicename` ("Claude Sonnet 4.6 (Amazon Bedrock Edition)") in
    AmazonBedrockFoundationModels, or by `model` ("Claude 2.0") in the older AmazonBedrock
    offer; `usagetype` says which token price it is, the OnDemand price dimension how much
    and per how many tokens.
    """
    item = _load_item(raw)
    attributes = _attributes(item)
    if item is None or attributes is None:
        return None
    model_name = model_name_of(attributes)
    if model_name is None:
        return None
    if attributes.get("regionCode", region_code) != region_code:
        return None
    usagetype = str(attributes.get("usagetype", ""))
    meter = classify_usagetype(usagetype)
    if meter is None:
        _log_unpriced_meter(model_name, usagetype)
        return None
    return _price_point(item, model_name=model_name, usagetype=usagetype, meter=meter)


def _price_point(
    item: dict, *, model_name: str, usagetype: str, meter: tuple[str, str]
) -> PricePoint | None:
    dimension = _price_dimension(item.get("terms"))
    if dimension is None:
        logger.info("pricing: %s %s has no readable USD price", model_name, usagetype)
        return None
    price, unit, description = dimension
    if price <= 0:
        return None  # a free meter is not a price the book can hold
    per_million = per_million_tokens(price, unit, description=description)
    if per_million is None:
        logger.warning(
            "pricing: %s %s is priced per %r (%r), which is not a token count",
            model_name,
            usagetype,
            unit,
            description,
        )
        return None
    product = item.get("product")
    kind, scope = meter
    return PricePoint(
        model_name=model_name,
        kind=kind,
        scope=scope,
        usd_per_million=per_million,
        usagetype=usagetype,
        unit=unit,
        description=description,
        sku=str(product.get("sku", "")) if isinstance(product, dict) else "",
    )


def model_name_of(attributes: dict) -> str | None:
    """The Claude model an item prices, or None when it prices something else.

    `servicename` "Claude Haiku 4.5 (Amazon Bedrock Edition)" gives "Claude Haiku 4.5"; in the
    AmazonBedrock offer `servicename` is "Amazon Bedrock" and `model` says "Claude 2.0".
    """
    for key in ("servicename", "model"):
        name = _model_name(str(attributes.get(key, "")))
        if name.startswith("Claude"):
            return name
    return None


def classify_usagetype(usagetype: str) -> tuple[str, str] | None:
    """(price field, scope) for a Bedrock usagetype, or None for meters the book ignores.

    The spellings AWS uses are read alike: "USE1-MP:USE1_CacheReadInputTokenCount_Global-Units",
    "USE1-MP:USE1_cache_write_tokens_1h_global_standard-Units",
    "USE1-MP:USE1_MillionBatchInputTokens-Units" and, in the AmazonBedrock offer,
    "USE1-Claude2.0-input-tokens". "Global" is the global cross-region profile; everything
    else ("Geo", "Regional CRIS", plain) is regional.
    """
    squashed = _squashed_meter(usagetype)
    if "token" not in squashed or _is_skipped_meter(squashed):
        return None
    batch = "batch" in squashed
    scope = "global" if "global" in squashed else "regional"
    if "cacheread" in squashed:
        kind: str | None = "cache_read"
    elif "cachewrite" in squashed:
        kind = _cache_write_kind(squashed)
    elif "input" in squashed:
        kind = "batch_input" if batch else "input"
    elif "output" in squashed:
        kind = "batch_output" if batch else "output"
    else:
        kind = None
    if kind is None or (batch and kind.startswith("cache")):
        return None  # cached batch prices are not in the book
    return kind, scope


def _squashed_meter(usagetype: str) -> str:
    """The usagetype without its region prefixes and "-Units", lower case, letters and digits."""
    meter = usagetype.split("MP:", 1)[-1] if "MP:" in usagetype else usagetype
    meter = re.sub(r"^[A-Z]{2,4}\d_", "", meter).removesuffix("-Units")
    return re.sub(r"[^a-z0-9]", "", meter.lower())


def _is_skipped_meter(squashed: str) -> bool:
    return any(word in squashed for word in _SKIPPED_METERS)


def _cache_write_kind(squashed: str) -> str | None:
    """cache_write_5m (no TTL named: AWS's default five minutes), cache_write_1h, or None for
    another TTL the book has no column for."""
    match = _CACHE_WRITE_TTL.search(squashed)
    ttl = match["ttl"] if match else "5m"
    return {"5m": "cache_write_5m", "1h": "cache_write_1h"}.get(ttl)


def _log_unpriced_meter(model_name: str, usagetype: str) -> None:
    """Meters the book ignores on purpose are logged quietly; unknown ones so they are seen."""
    squashed = _squashed_meter(usagetype)
    if "token" in squashed and not _is_skipped_meter(squashed):
        logger.info("pricing: %s %r is not a token price the book knows", model_name, usagetype)
    else:
        logger.debug("pricing: %s %r is not an on-demand token price", model_name, usagetype)


def per_million_tokens(price: Decimal, unit: str, *, description: str = "") -> Decimal | None:
    """`price` per `unit` ("1K tokens", "1M tokens", "1,000 tokens"...) as USD per 1M tokens.

    When the unit names no token count ("Units", as AWS Marketplace listings have it), the
    price dimension's description says it: "...|Million Input Tokens Global", "$0.25 per 1M
    input tokens". A Marketplace token description that names no count ("AWS Marketplace
    software usage|us-east-1|Input Tokens - Standard, Global") is per 1M tokens: in AWS's own
    list for Claude Opus 4.7 the sibling "Million Input Tokens Standard" costs 5.50 and it
    5.00, the regional/global pair every other model shows. None when nothing says how many
    tokens are priced.
    """
    tokens = _tokens_in_unit(unit)
    if tokens is None:
        tokens = _tokens_in_description(description)
    if tokens is None and unit.strip().lower() == "units":
        tokens = _marketplace_tokens(description)
    if tokens is None or tokens <= 0 or price < 0:
        return None
    return (price * MILLION / tokens).quantize(MONEY_PLACES, rounding=ROUND_HALF_UP)


def _tokens_in_unit(unit: str) -> Decimal | None:
    match = _UNIT.match(unit.strip().lower())
    if match is None:
        return None
    count = Decimal(match["count"].replace(",", "")) if match["count"] else Decimal(1)
    return count * _SCALES[match["scale"]]


def _tokens_in_description(description: str) -> Decimal | None:
    """The token count a description names: "per 1M input tokens", or a Marketplace dimension
    that starts with it ("Million Input Tokens Global", "thousand ... Tokens")."""
    match = _DESCRIBED_UNIT.search(description)
    if match is None:
        match = _COUNTED_TOKENS.match(description.rsplit("|", 1)[-1].strip())
    return _tokens_in_unit(match["unit"] + " tokens") if match else None


def _marketplace_tokens(description: str) -> Decimal | None:
    dimension = description.rsplit("|", 1)[-1].lower()
    if description.startswith(MARKETPLACE_DESCRIPTION) and "token" in dimension:
        return MILLION
    return None


def quotes_by_model(points: Iterable[PricePoint]) -> dict[str, ModelQuote]:
    """Group PricePoints per model name; of two prices for one kind and scope, the lower."""
    quotes: dict[str, ModelQuote] = {}
    for point in points:
        quote = quotes.setdefault(point.model_name, ModelQuote(model_name=point.model_name))
        prices = quote.global_prices if point.scope == "global" else quote.regional_prices
        current = prices.get(point.kind)
        if current is None or point.usd_per_million < current:
            prices[point.kind] = point.usd_per_million
    return quotes


# --- helpers -----------------------------------------------------------------------------


def _model_name(service_name: str) -> str:
    return " ".join(_EDITION_SUFFIX.sub("", service_name).split())


def _load_item(raw: Any) -> dict | None:
    try:
        item = json.loads(raw) if isinstance(raw, str | bytes) else raw
    except ValueError:
        logger.warning("pricing: skipping an item that is not JSON")
        return None
    return item if isinstance(item, dict) else None


def _attributes(item: dict | None) -> dict | None:
    product = item.get("product") if item else None
    attributes = product.get("attributes") if isinstance(product, dict) else None
    return attributes if isinstance(attributes, dict) else None


def _price_dimension(terms: Any) -> tuple[Decimal, str, str] | None:
    """The first USD price dimension of the OnDemand terms: (price, unit, description)."""
    on_demand = terms.get("OnDemand") if isinstance(terms, dict) else None
    for term in on_demand.values() if isinstance(on_demand, dict) else ():
        dimensions = term.get("priceDimensions") if isinstance(term, dict) else None
        for dimension in dimensions.values() if isinstance(dimensions, dict) else ():
            if not isinstance(dimension, dict):
                continue
            usd = dimension.get("pricePerUnit", {})
            usd = usd.get("USD") if isinstance(usd, dict) else None
            try:
                price = Decimal(str(usd))
            except InvalidOperation:
                continue
            if price.is_finite():
                return price, str(dimension.get("unit", "")), str(dimension.get("description", ""))
    return None
