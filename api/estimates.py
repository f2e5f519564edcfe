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
from workloads import selectors, spend
from workloads.models import PriceBook

from .serializers.estimates import EstimateInputSerializer, EstimateOutputSerializer


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
            prices = selectors.tier_prices_for(slug=slug) | serializer.inline_prices()
        except selectors.PriceBookMissingError:
            if not slug:
                raise  # 503: no default book yet
            known = ", ".join(PriceBook.objects.values_list("slug", flat=True))
            raise serializers.ValidationError(
                {"price_book": [f"Unknown price book {slug!r}; use one of: {known}."]}
            ) from None
        try:
            projection = spend.project(serializer.spend_input(), prices)
        except ValueError as error:  # the engine's own bounds, a backstop to the serializer
            raise InvalidInputError(str(error)) from error
        return Response(projection.as_dict())
