"""`/api/v1/eligibility/`: anonymous, throttled, computed on the fly, nothing stored.

Contract: docs/architecture.md#the-eligibility-contract."""

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import error_responses
from core.throttling import LiveScopedRateThrottle
from credits import eligibility, selectors

from .serializers.eligibility import EligibilityInputSerializer, EligibilityOutputSerializer


class EligibilityApi(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [LiveScopedRateThrottle]
    throttle_scope = "eligibility"

    @extend_schema(
        request=EligibilityInputSerializer,
        responses={200: EligibilityOutputSerializer, **error_responses(400, 429)},
        summary="Which AWS credit programs fit, how much, and why",
        description="Whether an Activate Org ID is already used by another startup is not "
        "revealed here (it is checked on a founder's own intake).",
    )
    def post(self, request):
        serializer = EligibilityInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        applicant = eligibility.Applicant(**serializer.validated_data)
        programs = [selectors.program_terms(p) for p in selectors.programs_current()]
        result = eligibility.evaluate(applicant, programs, today=timezone.localdate())
        return Response(result.as_dict())
