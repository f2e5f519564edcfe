"""`POST /api/v1/auth/token/`: e-mail and password in, an API token out."""

from django.contrib.auth import authenticate
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import error_responses
from core.throttling import LiveScopedRateThrottle

SIGN_IN_FAILED = "Unable to sign in with this e-mail address and password."


class AuthTokenApi(APIView):
    """E-mail and password in, an API token out (the same token on every call)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [LiveScopedRateThrottle]
    throttle_scope = "auth"

    @extend_schema_serializer(component_name="AuthTokenInput")
    class InputSerializer(serializers.Serializer):
        email = serializers.EmailField()
        password = serializers.CharField(trim_whitespace=False, style={"input_type": "password"})

    @extend_schema_serializer(component_name="AuthToken")
    class OutputSerializer(serializers.Serializer):
        token = serializers.CharField(help_text="Send as `Authorization: Token <token>`.")

    @extend_schema(
        request=InputSerializer,
        responses={200: OutputSerializer, **error_responses(400, 429)},
        summary="Get an API token",
        description="A wrong password and an unknown e-mail address both answer 400 with the "
        "same message. Throttled per client address.",
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
        token, _ = Token.objects.get_or_create(user=user)
        return Response(self.OutputSerializer({"token": token.key}).data)
