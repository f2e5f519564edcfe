"""Claude on Bedrock as AWS lists it: the model catalog and the Price List.

Adapters only: each function takes a boto3 client made elsewhere (workloads.aws.catalog_clients
in production, a client wrapped in botocore.stub.Stubber in tests) and returns plain
dataclasses. Nothing here touches the database. AWS's answers are read defensively: an item
whose shape or unit we do not recognise is skipped and logged, never guessed at.
"""

import json
import logging
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

logger = logging.getLogger(__name__)

PRICING_SERVICE_CODE = "AmazonBedrockFoundationModels"
PRICING_REGION = "us-east-1"  # the Price List API answers from us-east-1 only
MAX_PAGES = 200  # a runaway NextToken loop stops here instead of spinning forever
SERVICE_NAME_SUFFIX = " (Amazon Bedrock Edition)"
MONEY_PLACES = Decimal("0.0001")  # ModelPrice stores USD per 1M tokens with 4 decimals
MILLION = Decimal(1_000_000)

# Provisioned-throughput variants with another context window, such as
# "anthropic.claude-3-haiku-20240307-v1:0:200k", share the base model's name and prices.
_CONTEXT_VARIANT = re.compile(r":\d+:\d+k$")
_FOUNDATION_MODEL_ARN = re.compile(r":foundation-model/(?P<model_id>[^/]+)$")
_UNIT = re.compile(
    r"^(?:per\s+)?(?P<count>\d[\d,]*(?:\.\d+)?)?\s*(?P<scale>k|m|thousand|million)?\s*tokens?$"
)
_DESCRIBED_UNIT = re.compile(
    r"\bper\s+(?P<unit>\d[\d,]*\s*(?:k|m|thousand|million)?|thousand|million)\s+"
    r"(?:\w+\s+)?tokens?\b",
    re.IGNORECASE,
)
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
    "longcontext",
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
    lifecycle_status: str | None  # "ACTIVE", "LEGACY", or None when AWS did not say
    inference_types: tuple[str, ...] = ()
    profile_ids: tuple[str, ...] = ()  # system-defined inference profiles serving it

    @property
    def is_legacy(self) -> bool:
        return self.lifecycle_status == "LEGACY"

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
    scope: str  # "global" (the global cross-region profile) or "regional"
    usd_per_million: Decimal
    usagetype: str
    unit: str


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

    Calls `list_foundation_models(byProvider="Anthropic")` once and
    `list_inference_profiles(typeEquals="SYSTEM_DEFINED")` until nextToken runs out.
    Context-window variants of a model are left out; so are summaries without a model id.
    """
    response = bedrock_client.list_foundation_models(byProvider="Anthropic")
    profiles = _profiles_by_model(bedrock_client)
    models: dict[str, CatalogModel] = {}
    for summary in _dicts(response.get("modelSummaries")):
        model_id = summary.get("modelId")
        if not isinstance(model_id, str) or not model_id.startswith("anthropic."):
            logger.info("catalog: skipping a model summary without an Anthropic id: %r", model_id)
            continue
        if _CONTEXT_VARIANT.search(model_id):
            continue
        lifecycle = summary.get("modelLifecycle")
        status = lifecycle.get("status") if isinstance(lifecycle, dict) else None
        inference_types = summary.get("inferenceTypesSupported")
        models[model_id] = CatalogModel(
            model_id=model_id,
            name=str(summary.get("modelName") or model_id),
            lifecycle_status=status if status in ("ACTIVE", "LEGACY") else None,
            inference_types=tuple(map(str, inference_types))
            if isinstance(inference_types, list)
            else (),
            profile_ids=tuple(sorted(profiles.get(model_id, ()))),
        )
    return list(models.values())


def _profiles_by_model(bedrock_client) -> dict[str, set[str]]:
    profiles: dict[str, set[str]] = {}
    pages = _pages(
        bedrock_client.list_inference_profiles,
        {"typeEquals": "SYSTEM_DEFINED"},
        cursor_key="nextToken",
    )
    for page in pages:
        for profile in _dicts(page.get("inferenceProfileSummaries")):
            profile_id = profile.get("inferenceProfileId")
            if not isinstance(profile_id, str):
                continue
            for model in _dicts(profile.get("models")):
                match = _FOUNDATION_MODEL_ARN.search(str(model.get("modelArn", "")))
                if match:
                    profiles.setdefault(match["model_id"], set()).add(profile_id)
    return profiles


# --- pricing: the Price List -----------------------------------------------------------


def fetch_bedrock_prices(pricing_client, *, region_code: str = PRICING_REGION) -> list[PricePoint]:
    """Claude's token prices in `region_code`, normalised to USD per 1M tokens.

    Calls `pricing.get_products(ServiceCode="AmazonBedrockFoundationModels")` filtered on the
    region, following NextToken. Items that are not Claude token prices, or whose JSON, price
    or unit cannot be read, are skipped.
    """
    points: list[PricePoint] = []
    request = {
        "ServiceCode": PRICING_SERVICE_CODE,
        "Filters": [{"Type": "TERM_MATCH", "Field": "regionCode", "Value": region_code}],
        "FormatVersion": "aws_v1",
        "MaxResults": 100,
    }
    for page in _pages(pricing_client.get_products, request, cursor_key="NextToken"):
        price_list = page.get("PriceList")
        for raw in price_list if isinstance(price_list, list) else ():
            point = parse_price_item(raw, region_code=region_code)
            if point is not None:
                points.append(point)
    return points


def parse_price_item(raw: Any, *, region_code: str = PRICING_REGION) -> PricePoint | None:
    """One Price List item (a JSON string) as a PricePoint, or None when it is not one."""
    try:
        item = json.loads(raw) if isinstance(raw, str | bytes) else raw
    except ValueError:
        logger.warning("pricing: skipping an item that is not JSON")
        return None
    if not isinstance(item, dict):
        return None
    product = item.get("product")
    attributes = product.get("attributes") if isinstance(product, dict) else None
    if not isinstance(attributes, dict):
        return None
    model_name = _model_name(str(attributes.get("servicename", "")))
    if not model_name.startswith("Claude"):
        return None
    if attributes.get("regionCode", region_code) != region_code:
        return None
    usagetype = str(attributes.get("usagetype", ""))
    meter = classify_usagetype(usagetype)
    if meter is None:
        return None
    kind, scope = meter
    dimension = _price_dimension(item.get("terms"))
    if dimension is None:
        logger.info("pricing: %s has no readable USD price", usagetype)
        return None
    price, unit, description = dimension
    if price <= 0:
        return None  # a free meter is not a price the book can hold
    per_million = per_million_tokens(price, unit, description=description)
    if per_million is None:
        logger.warning("pricing: %s is priced per %r, which is not a token unit", usagetype, unit)
        return None
    return PricePoint(
        model_name=model_name,
        kind=kind,
        scope=scope,
        usd_per_million=per_million,
        usagetype=usagetype,
        unit=unit,
    )


def classify_usagetype(usagetype: str) -> tuple[str, str] | None:
    """(price field, scope) for a Bedrock usagetype, or None for meters the book ignores.

    Both spellings AWS uses are read: "USE1-MP:USE1_CacheReadInputTokenCount_Global-Units"
    and "USE1-MP:USE1_cache_write_tokens_1h_global_standard-Units".
    """
    meter = usagetype.split("MP:", 1)[-1] if "MP:" in usagetype else usagetype
    meter = re.sub(r"^[A-Z]{2,4}\d_", "", meter).removesuffix("-Units")
    squashed = re.sub(r"[^a-z0-9]", "", meter.lower())
    if "token" not in squashed or any(word in squashed for word in _SKIPPED_METERS):
        return None
    batch = "batch" in squashed
    scope = "global" if "global" in squashed else "regional"
    if "cacheread" in squashed:
        kind = "cache_read"
    elif "cachewrite" in squashed:
        kind = "cache_write_1h" if "1h" in squashed else "cache_write_5m"
    elif "input" in squashed:
        kind = "batch_input" if batch else "input"
    elif "output" in squashed:
        kind = "batch_output" if batch else "output"
    else:
        return None
    if batch and kind.startswith("cache"):
        return None  # cached batch prices are not in the book
    return kind, scope


def per_million_tokens(price: Decimal, unit: str, *, description: str = "") -> Decimal | None:
    """`price` per `unit` ("1K tokens", "1M tokens", "1,000 tokens"...) as USD per 1M tokens.

    When the unit names no token count ("Units"), the dimension's description is tried
    ("$0.25 per 1M input tokens"); None when neither says how many tokens are priced.
    """
    tokens = _tokens_in_unit(unit)
    if tokens is None:
        match = _DESCRIBED_UNIT.search(description)
        tokens = _tokens_in_unit(match["unit"] + " tokens") if match else None
    if tokens is None or tokens <= 0 or price < 0:
        return None
    return (price * MILLION / tokens).quantize(MONEY_PLACES, rounding=ROUND_HALF_UP)


def _tokens_in_unit(unit: str) -> Decimal | None:
    match = _UNIT.match(unit.strip().lower())
    if match is None:
        return None
    count = Decimal(match["count"].replace(",", "")) if match["count"] else Decimal(1)
    return count * _SCALES[match["scale"]]


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
    return service_name.removesuffix(SERVICE_NAME_SUFFIX).strip()


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


def _dicts(value: Any) -> Iterator[dict]:
    return (item for item in (value if isinstance(value, list) else ()) if isinstance(item, dict))


def _pages(operation, request: dict, *, cursor_key: str) -> Iterator[dict]:
    """Call `operation` until the page token runs out (or repeats, or MAX_PAGES is reached)."""
    seen: set[str] = set()
    token = None
    for _ in range(MAX_PAGES):
        page = operation(**request, **({cursor_key: token} if token else {}))
        yield page if isinstance(page, dict) else {}
        token = page.get(cursor_key) if isinstance(page, dict) else None
        if not token or token in seen:
            return
        seen.add(token)
    logger.warning("%s: stopped after %d pages", getattr(operation, "__name__", "aws"), MAX_PAGES)
