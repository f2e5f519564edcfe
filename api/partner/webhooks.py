"""`/api/v1/partner/webhooks/`: the firm's webhooks into its CRM (docs/webhooks.md). Its
admins register, list, rotate and delete them and read each one's deliveries; members get a
403, another firm's webhook is a 404."""

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import error_responses
from core.serializers import Serializer
from matching import selectors
from matching.models import WebhookEndpoint, WebhookEvent
from matching.services import partner_is_admin, webhook_create, webhook_delete, webhook_rotate
from matching.services.webhooks import ADMINS_ONLY, MAX_ATTEMPTS

from ..tokens import ExpiringTokenAuthentication
from .permissions import IsPartnerMember, PartnerPagination, PartnerRequest


class IsPartnerAdmin(IsPartnerMember):
    """An admin of a partner firm (`request.partner`); a member or anyone else: 403."""

    message = ADMINS_ONLY

    def has_permission(self, request, view) -> bool:
        if not super().has_permission(request, view):
            self.message = IsPartnerMember.message
            return False
        return partner_is_admin(partner=request.partner, user=request.user)


_ADMIN: list[type[BasePermission]] = [IsPartnerAdmin]


@extend_schema_serializer(component_name="PartnerWebhook")
class WebhookOutputSerializer(Serializer):
    id = serializers.IntegerField()
    url = serializers.URLField()
    events = serializers.ListField(child=serializers.ChoiceField(choices=WebhookEvent.choices))
    created_at = serializers.DateTimeField()
    rotated_at = serializers.DateTimeField(allow_null=True)
    delivered = serializers.IntegerField(help_text="Deliveries your receiver answered with 2xx")
    failed = serializers.IntegerField(help_text=f"Deliveries given up after {MAX_ATTEMPTS} tries")
    pending = serializers.IntegerField(help_text="Deliveries with a try still due")


@extend_schema_serializer(component_name="PartnerWebhookWithSecret")
class WebhookSecretOutputSerializer(WebhookOutputSerializer):
    secret = serializers.CharField(
        help_text="The signing secret. Shown only in this answer: store it now."
    )


def _with_secret(request: PartnerRequest, endpoint: WebhookEndpoint, secret: str) -> dict:
    endpoint = selectors.webhook_for_partner_or_404(partner=request.partner, webhook_id=endpoint.pk)
    return {**WebhookOutputSerializer(endpoint).data, "secret": secret}


class PartnerWebhookCollectionApi(APIView):
    authentication_classes = [ExpiringTokenAuthentication]
    permission_classes = _ADMIN

    class InputSerializer(Serializer):
        url = serializers.CharField(
            max_length=2000,
            help_text="Your receiver: https, on the public internet (http://localhost too "
            "when CloudRoute runs with DEBUG on).",
        )
        events = serializers.ListField(
            child=serializers.ChoiceField(choices=WebhookEvent.choices),
            min_length=1,
            max_length=len(WebhookEvent.values),
        )

    @extend_schema(
        responses={200: WebhookOutputSerializer(many=True), **error_responses(401, 403)},
        operation_id="partner_webhooks_list",
        summary="Your firm's webhooks (admins)",
    )
    def get(self, request: PartnerRequest) -> Response:
        endpoints = selectors.webhooks_for_partner(partner=request.partner)
        return Response(WebhookOutputSerializer(endpoints, many=True).data)

    @extend_schema(
        request=InputSerializer,
        responses={201: WebhookSecretOutputSerializer, **error_responses(400, 401, 403)},
        operation_id="partner_webhooks_create",
        summary="Register a webhook (admins); the answer holds its secret, once",
        description=(
            "Each event is a JSON POST signed in `CloudRoute-Signature: t=<unix>,v1=<hex>`: "
            "HMAC-SHA256 of `<t>.<body>` with the secret. A non-2xx answer is retried with "
            f"backoff, {MAX_ATTEMPTS} tries in all."
        ),
    )
    def post(self, request: PartnerRequest) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        endpoint, secret = webhook_create(
            partner=request.partner, actor=request.user, **data.validated_data
        )
        return Response(_with_secret(request, endpoint, secret), status=status.HTTP_201_CREATED)


class PartnerWebhookDetailApi(APIView):
    authentication_classes = [ExpiringTokenAuthentication]
    permission_classes = _ADMIN

    @extend_schema(
        responses={200: WebhookOutputSerializer, **error_responses(401, 403, 404)},
        operation_id="partner_webhooks_retrieve",
        summary="One of your firm's webhooks (admins)",
    )
    def get(self, request: PartnerRequest, webhook_id: int) -> Response:
        endpoint = selectors.webhook_for_partner_or_404(
            partner=request.partner, webhook_id=webhook_id
        )
        return Response(WebhookOutputSerializer(endpoint).data)

    @extend_schema(
        responses={204: None, **error_responses(401, 403, 404)},
        operation_id="partner_webhooks_destroy",
        summary="Delete a webhook and its pending deliveries (admins)",
    )
    def delete(self, request: PartnerRequest, webhook_id: int) -> Response:
        webhook_delete(partner=request.partner, actor=request.user, webhook_id=webhook_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PartnerWebhookRotateApi(APIView):
    authentication_classes = [ExpiringTokenAuthentication]
    permission_classes = _ADMIN

    @extend_schema(
        request=None,
        responses={200: WebhookSecretOutputSerializer, **error_responses(401, 403, 404)},
        operation_id="partner_webhooks_rotate",
        summary="A new signing secret (admins); the old one also signs for 24 hours",
    )
    def post(self, request: PartnerRequest, webhook_id: int) -> Response:
        endpoint, secret = webhook_rotate(
            partner=request.partner, actor=request.user, webhook_id=webhook_id
        )
        return Response(_with_secret(request, endpoint, secret))


@extend_schema_serializer(component_name="PartnerWebhookDelivery")
class DeliveryOutputSerializer(Serializer):
    event_id = serializers.UUIDField(help_text="The CloudRoute-Delivery header and the body's id")
    event_type = serializers.ChoiceField(choices=WebhookEvent.choices)
    state = serializers.ChoiceField(choices=["pending", "retrying", "delivered", "failed"])
    created_at = serializers.DateTimeField()
    attempts = serializers.IntegerField()
    last_attempt_at = serializers.DateTimeField(allow_null=True)
    last_status_code = serializers.IntegerField(
        allow_null=True, help_text="Your receiver's HTTP status; null when it did not answer"
    )
    last_error = serializers.CharField(allow_blank=True)
    next_attempt_at = serializers.DateTimeField(allow_null=True)
    delivered_at = serializers.DateTimeField(allow_null=True)


class PartnerWebhookDeliveriesApi(APIView):
    authentication_classes = [ExpiringTokenAuthentication]
    permission_classes = _ADMIN

    @extend_schema_serializer(component_name="PartnerWebhookDeliveryPage")
    class OutputSerializer(Serializer):
        count = serializers.IntegerField()
        next = serializers.URLField(allow_null=True)
        previous = serializers.URLField(allow_null=True)
        results = DeliveryOutputSerializer(many=True)

    @extend_schema(
        parameters=[OpenApiParameter("page", int, required=False)],
        responses={200: OutputSerializer, **error_responses(401, 403, 404)},
        operation_id="partner_webhooks_deliveries",
        summary="A webhook's deliveries, newest first, with their tries (admins)",
    )
    def get(self, request: PartnerRequest, webhook_id: int) -> Response:
        endpoint = selectors.webhook_for_partner_or_404(
            partner=request.partner, webhook_id=webhook_id
        )
        paginator = PartnerPagination()
        page = paginator.paginate_queryset(
            selectors.webhook_deliveries(endpoint=endpoint), request, view=self
        )
        return paginator.get_paginated_response(
            DeliveryOutputSerializer(page or (), many=True).data
        )
