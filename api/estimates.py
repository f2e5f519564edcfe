"""`/api/v1/estimates/`: anonymous, throttled, computed on the fly, nothing stored.

Contract: docs/architecture.md#the-spend-model-contract."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import error_responses
from core.errors import InvalidInputError
from core.throttling import LiveScopedRateThrottle
from workloads import selectors, spend, throughput
from workloads.models import PriceBook

from .serializers.estimates import EstimateInputSerializer, EstimateOutputSerializer

# What the response says of the book (workloads.selectors.price_book_provenance).
PROVENANCE_KEYS = (
    "slug",
    "name",
    "effective_from",
    "source",
    "refreshed_at",
    "illustrative",
    "stale",
)


class EstimateApi(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [LiveScopedRateThrottle]
    throttle_scope = "estimate"

    @extend_schema(
        request=EstimateInputSerializer,
        responses={200: EstimateOutputSerializer, **error_responses(400, 429, 503)},
        summary="Estimate a Haiku-first Bedrock workload's monthly spend against credits",
    )
    def post(self, request):
        serializer = EstimateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        slug = serializer.validated_data.get("price_book")
        try:
            book = selectors.priced_book_for(slug=slug)
        except selectors.PriceBookMissingError:
            if not slug:
                raise  # 503: no default book yet
            known = ", ".join(PriceBook.objects.values_list("slug", flat=True))
            raise serializers.ValidationError(
                {"price_book": [f"Unknown price book {slug!r}; use one of: {known}."]}
            ) from None
        prices = book.prices | serializer.inline_prices()
        try:
            inputs = serializer.spend_input()
            projection = spend.project(inputs, prices)
        except ValueError as error:  # the engine's own bounds, a backstop to the serializer
            raise InvalidInputError(str(error)) from error
        # "10", not normalize()'s "1E+1"
        peak_factor = format(serializer.validated_data["peak_factor"].normalize(), "f")
        loads = throughput.check(inputs, prices, peak_factor=peak_factor)
        body = projection.as_dict()
        body["warnings"] = [
            *body["warnings"],
            *(shortfall for load in loads for shortfall in load.shortfalls()),
        ]
        return Response(
            {
                **body,
                "throughput": throughput.as_dict(loads, peak_factor=peak_factor),
                "price_book": {key: book.provenance[key] for key in PROVENANCE_KEYS},
                "prices": spend.unit_prices(prices, inputs.endpoint),
                "sensitivity": spend.sensitivity(inputs, prices),
            }
        )
