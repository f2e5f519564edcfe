"""`/api/v1/auth/token/`: e-mail and password in, an API token out; DELETE revokes it."""

from django.contrib.auth import authenticate
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import error_responses
from core.serializers import Serializer
from core.throttling import LiveScopedRateThrottle
from matching import twofactor

from ..tokens import ExpiringTokenAuthentication, api_token_issue, api_tokens_revoke

SIGN_IN_FAILED = "Unable to sign in with this e-mail address and password."
# Operators and firm admins when OTP_REQUIRED is on (matching/twofactor.py): a password alone
# would bypass their second factor, so the token needs the code too.
OTP_NEEDED = (
    "This account uses two-factor sign-in: send the 6-digit code from your authenticator app "
    "(or a recovery code) as otp_token."
)
OTP_WRONG = "That code is not right: send the code your authenticator app shows now."
OTP_NOT_SET_UP = (
    "This account must use two-factor sign-in: sign in on the website once to set it up, "
    "then send its code as otp_token."
)


class AuthTokenApi(APIView):
    """POST: e-mail and password in, an API token out (the same token until it expires).
    DELETE: the token it is called with stops working."""

    throttle_classes = [LiveScopedRateThrottle]
    throttle_scope = "auth"

    # One URL, two actions: signing in reads no credentials (a client whose token expired
    # still sends it, and must not get a 401 for it); revoking takes the token itself.
    # (`request` is unset while drf-spectacular builds its mock request.)
    def _revoking(self) -> bool:
        return getattr(self.request, "method", None) == "DELETE"

    def get_authenticators(self):
        return [ExpiringTokenAuthentication()] if self._revoking() else []

    def get_permissions(self):
        return [IsAuthenticated()] if self._revoking() else [AllowAny()]

    @extend_schema_serializer(component_name="AuthTokenInput")
    class InputSerializer(Serializer):
        email = serializers.EmailField()
        password = serializers.CharField(trim_whitespace=False, style={"input_type": "password"})
        otp_token = serializers.CharField(
            required=False,
            max_length=32,
            help_text="Operators and firm admins when two-factor sign-in is on: the code from "
            "their authenticator app, or a recovery code (used up).",
        )

    @extend_schema_serializer(component_name="AuthToken")
    class OutputSerializer(Serializer):
        token = serializers.CharField(help_text="Send as `Authorization: Token <token>`.")

    @extend_schema(
        request=InputSerializer,
        responses={200: OutputSerializer, **error_responses(400, 429)},
        summary="Get an API token",
        description="A wrong password and an unknown e-mail address both answer 400 with the "
        "same message. Throttled per client address. The token works for API_TOKEN_TTL "
        "seconds (a day by default) from when it was issued, until its user signs out of "
        "the site, or until it is revoked (DELETE); then it answers 401 and this call "
        "hands out a new one.",
    )
    def post(self, request):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = authenticate(
            request=request,
            username=serializer.validated_data["email"].strip().lower(),
            password=serializer.validated_data["password"],
        )
        if user is None:  # ModelBackend also refuses inactive users
            raise serializers.ValidationError({"non_field_errors": [SIGN_IN_FAILED]})
        if twofactor.otp_required_for(user):
            _check_second_factor(request, user, serializer.validated_data.get("otp_token"))
        token = api_token_issue(user=user)
        return Response(self.OutputSerializer({"token": token.key}).data)

    @extend_schema(
        request=None,
        responses={204: None, **error_responses(401, 429)},
        summary="Revoke this API token",
        description="Send the token as `Authorization: Token <token>`: it stops working at "
        "once (the next call with it is a 401). Get a new one with POST.",
    )
    def delete(self, request):
        api_tokens_revoke(user=request.user, reason="request")
        return Response(status=status.HTTP_204_NO_CONTENT)


def _check_second_factor(request, user, otp_token: str | None) -> None:
    """Only once the password matched, so these answers tell a guesser nothing."""
    if not twofactor.otp_has_device(user):
        raise serializers.ValidationError({"otp_token": [OTP_NOT_SET_UP]})
    if not otp_token:
        raise serializers.ValidationError({"otp_token": [OTP_NEEDED]})
    if not twofactor.otp_verify_user(request=request, user=user, token=otp_token):
        raise serializers.ValidationError({"otp_token": [OTP_WRONG]})
