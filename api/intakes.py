"""`/api/v1/intakes/`: a founder submits an intake and reads it back (one view per action)."""

from django.conf import settings
from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import error_responses
from core.throttling import LiveScopedRateThrottle
from matching import selectors, services
from workloads import selectors as workload_selectors

from .idempotency import HEADER, idempotent
from .serializers.intakes import (
    IntakeCreatedSerializer,
    IntakeDetailSerializer,
    IntakeInputSerializer,
)
from .serializers.setup import SetupKitSerializer


def _intake_for_reader(request: Request, intake_id: int):
    """The intake by its token (`Authorization: Token <token>`) or its signed-in founder;
    anyone else's is a 404 (matching.selectors.intake_for_reader_or_404)."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return selectors.intake_for_reader_or_404(
        intake_id=intake_id,
        user=request.user,
        token=token.strip() if scheme.lower() == "token" else "",
    )


class IntakeCreateApi(APIView):
    authentication_classes: list = []  # anonymous; the founder gets a token back
    permission_classes = [AllowAny]
    throttle_classes = [LiveScopedRateThrottle]
    throttle_scope = "intake"

    @extend_schema(
        request=IntakeInputSerializer,
        responses={201: IntakeCreatedSerializer, **error_responses(400, 422, 429)},
        parameters=[OpenApiParameter(HEADER, str, OpenApiParameter.HEADER, required=False)],
        summary="Submit a founder's intake",
        description="The intake is saved, checked against every credit program and estimated "
        "at once (read it back with the token). It reaches no partner and joins no account "
        "until the founder uses the link e-mailed to `founder.email`; the answer is the same "
        "whether or not that address has an account. With an `Idempotency-Key`, the same "
        "client's retry (same key, same body) within a day (IDEMPOTENCY_KEY_TTL) gets this "
        "response again, token included; another client's key is its own.",
    )
    def post(self, request):
        return idempotent(
            request,
            scope="intake.create",
            handler=lambda token: self._create(request, token),
            redacted_field="token",
        )

    def _create(self, request, token: str) -> Response:
        serializer = IntakeInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        intake, token = services.intake_submit(
            company=dict(data["company"]),
            founder_name=data["founder"]["name"],
            founder_email=data["founder"]["email"],
            workload=dict(data["workload"]),
            access_token=token,
        )
        body = IntakeCreatedSerializer(
            {
                "id": intake.pk,
                "status": intake.status,
                "token": token,
                "dashboard_url": settings.SITE_URL.rstrip("/") + reverse("founder-dashboard"),
            }
        ).data
        return Response(body, status=status.HTTP_201_CREATED)


class IntakeDetailApi(APIView):
    """The founder's own intake: by its token, or signed in as its founder. Else 404."""

    # Session only: the intake token is checked by the selector, not by DRF's
    # TokenAuthentication. (DRF replaces request._request.user with its own result, so the
    # session must be read through an authentication class, or a signed-in founder looks
    # anonymous.)
    authentication_classes = [SessionAuthentication]
    permission_classes = [AllowAny]

    @extend_schema(
        responses={200: IntakeDetailSerializer, **error_responses(404)},
        summary="Read one intake",
        description="Send the token from the 201 response as `Authorization: Token <token>` "
        "until the founder confirms the intake (then the token stops working: the intake is "
        "the account's alone), or call it signed in as the founder. Anyone else's intake is "
        "a 404.",
    )
    def get(self, request: Request, intake_id: int) -> Response:
        return Response(IntakeDetailSerializer(_intake_for_reader(request, intake_id)).data)


class IntakeSetupApi(APIView):
    """The Bedrock setup kit of the founder's own intake: same access as the intake."""

    authentication_classes = [SessionAuthentication]
    permission_classes = [AllowAny]

    @extend_schema(
        responses={200: SetupKitSerializer, **error_responses(404, 503)},
        summary="The Bedrock setup kit of an intake's workload",
        description="For the workload's Region and endpoint: the model id and inference "
        "profile id of each tier, read from the Bedrock catalog; a least-privilege IAM "
        "policy allowing exactly those calls (and Batch jobs when the workload batches); a "
        "Converse API snippet with the ids filled in. The same access as `GET "
        "/api/v1/intakes/{id}/`: the intake's token until confirmed, then its founder.",
    )
    def get(self, request: Request, intake_id: int) -> Response:
        intake = _intake_for_reader(request, intake_id)
        kit = workload_selectors.setup_kit_for(
            workload=intake.workload, account_id=intake.startup.aws_account_id
        )
        return Response(kit)
