"""The estimate API (DESIGN §4): anonymous, throttled, computed on the fly, nothing stored."""

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from cloudroute.api import LiveScopedRateThrottle, error_responses

from . import selectors, spend
from .models import PriceBook
from .serializers import EstimateInputSerializer, EstimateOutputSerializer


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
            if slug:
                known = ", ".join(PriceBook.objects.values_list("slug", flat=True))
                return Response(
                    {"price_book": [f"Unknown price book {slug!r}; use one of: {known}."]},
                    status=status.HTTP_400_BAD_REQUEST,
                )
            return Response(
                {"detail": "No price book is configured yet; an operator must add one."},
                status=status.HTTP_503_SERVICE_UNAVAILABLE,
            )
        try:
            projection = spend.project(serializer.spend_input(), prices)
        except ValueError as error:  # the engine's own bounds, a backstop to the serializer
            return Response({"detail": str(error)}, status=status.HTTP_400_BAD_REQUEST)
        return Response(projection.as_dict())
