"""The partner API: token sign-in, a firm's leads and its credit applications, one view per
action (HackSoft style).

Callers send `Authorization: Token <token>` from `POST /api/v1/auth/token/`. Every lead is
read through `selectors.lead_get_for_partner`: another firm's lead is a 404, as is any lead
for a caller who belongs to no firm. Lead state changes go through `services.leads`.
Applications are read through `selectors.application_get_for_partner` (the same 404 rule) and
changed only through `credits.services`.
"""

from decimal import Decimal

from django.contrib.auth import authenticate
from django.http import Http404
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_serializer,
)
from rest_framework import serializers, status
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import AllowAny, BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from cloudroute.api import LiveScopedRateThrottle, error_responses
from credits import selectors as credit_selectors
from credits.models import ApplicationEvent, ApplicationStatus, CreditApplication
from credits.services import (
    ApplicationInputError,
    ApplicationTransitionError,
    application_create,
    application_precheck,
    application_transition,
)
from workloads.selectors import workload_projection_latest
from workloads.serializers import EscalationSerializer

from . import selectors
from .models import DeclineReason, Lead, LeadStatus, Partner
from .services.ace import AceUnavailableError, application_file_with_ace
from .services.leads import OTHER_NEEDS_NOTE, LeadActionError, lead_accept, lead_decline

SIGN_IN_FAILED = "Unable to sign in with this e-mail address and password."


class IsPartnerMember(BasePermission):
    """A signed-in member of a partner firm; the firm is kept on `request.partner`."""

    message = "Only members of a partner firm may use the partner API."

    def has_permission(self, request, view) -> bool:
        partner = selectors.partner_for_user(request.user)
        request.partner = partner
        return partner is not None


class LeadPagination(PageNumberPagination):
    page_size = 50


def _partner_lead_or_404(request, lead_id: int) -> tuple[Partner, Lead]:
    """The caller's firm and its lead; no firm or someone else's lead: 404 alike."""
    partner = selectors.partner_for_user(request.user)
    lead = selectors.lead_get_for_partner(partner=partner, lead_id=lead_id) if partner else None
    if lead is None:
        raise Http404("No lead with this id.")
    return partner, lead


def _conflict(exc: LeadActionError) -> Response:
    return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)


# --- Output shapes shared by the lead views ----------------------------------------


@extend_schema_serializer(component_name="PartnerLeadCompany")
class _CompanySerializer(serializers.Serializer):
    name = serializers.CharField()
    stage = serializers.CharField()
    industry = serializers.CharField()
    country = serializers.CharField(help_text="ISO 3166-1 alpha-2")
    website = serializers.CharField(allow_blank=True)


@extend_schema_serializer(component_name="PartnerLeadWorkload")
class _WorkloadSummarySerializer(serializers.Serializer):
    use_case = serializers.CharField()
    region = serializers.CharField()
    monthly_requests = serializers.IntegerField()
    input_tokens = serializers.IntegerField()
    output_tokens = serializers.IntegerField()
    escalation = EscalationSerializer()


@extend_schema_serializer(component_name="PartnerLeadContact")
class _ContactSerializer(serializers.Serializer):
    name = serializers.CharField()
    email = serializers.EmailField()
    aws_account_id = serializers.CharField(allow_blank=True)


@extend_schema_serializer(component_name="PartnerLead")
class LeadOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=LeadStatus.choices)
    offered_at = serializers.DateTimeField()
    accept_by = serializers.DateTimeField()
    responded_at = serializers.DateTimeField(allow_null=True)
    company = serializers.SerializerMethodField()
    workload = serializers.SerializerMethodField()
    contact = serializers.SerializerMethodField(
        help_text="The founder's contact details: null until your firm accepts the lead."
    )

    @extend_schema_field(_CompanySerializer)
    def get_company(self, lead: Lead) -> dict:
        return _company(lead)

    @extend_schema_field(_WorkloadSummarySerializer)
    def get_workload(self, lead: Lead) -> dict:
        return _workload(lead)

    @extend_schema_field(_ContactSerializer(allow_null=True))
    def get_contact(self, lead: Lead) -> dict | None:
        return _contact(lead)


def _company(lead: Lead) -> dict:
    startup = lead.startup
    return {
        "name": startup.name,
        "stage": startup.stage,
        "industry": startup.industry,
        "country": str(startup.country),
        "website": startup.website,
    }


def _workload(lead: Lead) -> dict:
    workload = lead.workload
    return {
        "use_case": workload.use_case,
        "region": workload.region,
        "monthly_requests": workload.monthly_requests,
        "input_tokens": workload.input_tokens,
        "output_tokens": workload.output_tokens,
        "escalation": workload.escalation,
    }


def _contact(lead: Lead) -> dict | None:
    if not lead.contact_visible:
        return None
    founder = lead.startup.founder
    return {
        "name": founder.get_full_name(),
        "email": founder.email,
        "aws_account_id": lead.startup.aws_account_id,
    }


_datetime = serializers.DateTimeField()


def lead_summary(lead: Lead) -> dict:
    """LeadOutputSerializer's output as a plain dict: the inbox builds 50 per page, and the
    serializer's per-field machinery cost more than the query (docs/performance.md). A test
    holds the two to the same output."""
    return {
        "id": lead.id,
        "status": lead.status,
        "offered_at": _datetime.to_representation(lead.offered_at),
        "accept_by": _datetime.to_representation(lead.accept_by),
        "responded_at": _datetime.to_representation(lead.responded_at)
        if lead.responded_at
        else None,
        "company": _company(lead),
        "workload": _workload(lead),
        "contact": _contact(lead),
    }


# --- Views --------------------------------------------------------------------------


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


class PartnerLeadListApi(APIView):
    authentication_classes = [TokenAuthentication]
    permission_classes = [IsPartnerMember]

    @extend_schema_serializer(component_name="PartnerLeadPage")
    class OutputSerializer(serializers.Serializer):
        count = serializers.IntegerField()
        next = serializers.URLField(allow_null=True)
        previous = serializers.URLField(allow_null=True)
        results = LeadOutputSerializer(many=True)

    @extend_schema(
        parameters=[
            OpenApiParameter("status", str, enum=LeadStatus.values, required=False),
            OpenApiParameter("page", int, required=False),
        ],
        responses={200: OutputSerializer, **error_responses(400, 401, 403, 404)},
        operation_id="partner_leads_list",
        summary="Your firm's leads, newest first",
        description="50 a page. `contact` stays null until your firm accepts the lead.",
    )
    def get(self, request):
        lead_status = request.query_params.get("status") or None
        if lead_status is not None and lead_status not in LeadStatus.values:
            raise serializers.ValidationError(
                {"status": [f"Use one of: {', '.join(LeadStatus.values)}."]}
            )
        leads = selectors.lead_inbox_for_partner(partner=request.partner, status=lead_status)
        paginator = LeadPagination()
        page = paginator.paginate_queryset(leads, request, view=self)
        return paginator.get_paginated_response([lead_summary(lead) for lead in page])


@extend_schema_serializer(component_name="PartnerLeadNote")
class _NoteSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    author = serializers.EmailField(source="author.email", default=None, allow_null=True)
    body = serializers.CharField()
    created_at = serializers.DateTimeField()


@extend_schema_serializer(component_name="PartnerLeadEligibility")
class _EligibilitySerializer(serializers.Serializer):
    recommended = serializers.ListField(
        child=serializers.CharField(), source="result.recommended", help_text="Program codes"
    )
    total_expected = serializers.DecimalField(max_digits=12, decimal_places=2)
    checked_at = serializers.DateTimeField(source="created_at")


@extend_schema_serializer(component_name="PartnerLeadProjectionTotals")
class _ProjectionTotalsSerializer(serializers.Serializer):
    cost = serializers.DecimalField(max_digits=14, decimal_places=2)
    baseline_cost = serializers.DecimalField(max_digits=14, decimal_places=2)
    credits_applied = serializers.DecimalField(max_digits=14, decimal_places=2)
    out_of_pocket = serializers.DecimalField(max_digits=14, decimal_places=2)


@extend_schema_serializer(component_name="PartnerLeadProjection")
class _ProjectionSerializer(serializers.Serializer):
    months = serializers.SerializerMethodField()
    first_out_of_pocket_month = serializers.IntegerField(
        source="result.first_out_of_pocket_month", allow_null=True
    )
    totals = _ProjectionTotalsSerializer(source="result.totals")
    created_at = serializers.DateTimeField()

    def get_months(self, projection) -> int:
        return len(projection.result.get("months", []))


class PartnerLeadDetailApi(APIView):
    authentication_classes = [TokenAuthentication]
    permission_classes = [IsAuthenticated]

    @extend_schema_serializer(component_name="PartnerLeadDetail")
    class OutputSerializer(LeadOutputSerializer):
        """A lead with what the detail adds, read by the view and passed in `context`."""

        notes = serializers.SerializerMethodField()
        eligibility = serializers.SerializerMethodField()
        projection = serializers.SerializerMethodField()

        @extend_schema_field(_NoteSerializer(many=True))
        def get_notes(self, lead: Lead) -> list[dict]:
            return _NoteSerializer(self.context["notes"], many=True).data

        @extend_schema_field(_EligibilitySerializer(allow_null=True))
        def get_eligibility(self, lead: Lead) -> dict | None:
            snapshot = self.context["snapshot"]
            return _EligibilitySerializer(snapshot).data if snapshot else None

        @extend_schema_field(_ProjectionSerializer(allow_null=True))
        def get_projection(self, lead: Lead) -> dict | None:
            projection = self.context["projection"]
            return _ProjectionSerializer(projection).data if projection else None

    @extend_schema(
        responses={200: OutputSerializer, **error_responses(401, 404)},
        operation_id="partner_leads_retrieve",
        summary="One of your firm's leads",
        description="With your firm's notes, the latest credit eligibility (recommended "
        "programs, total expected) and the spend projection's totals, each null until "
        "computed. Another firm's lead is a 404.",
    )
    def get(self, request, lead_id: int):
        _, lead = _partner_lead_or_404(request, lead_id)
        context = {
            "notes": lead.notes.select_related("author"),
            "snapshot": credit_selectors.snapshot_latest(startup_id=lead.startup_id),
            "projection": workload_projection_latest(workload_id=lead.workload_id),
        }
        return Response(self.OutputSerializer(lead, context=context).data)


class PartnerLeadAcceptApi(APIView):
    authentication_classes = [TokenAuthentication]
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=None,
        responses={200: LeadOutputSerializer, **error_responses(401, 404, 409)},
        summary="Accept a lead",
        description="409 when the lead is no longer offered or its accept-by time has passed. "
        "The answer includes the founder's contact details.",
    )
    def post(self, request, lead_id: int):
        partner, lead = _partner_lead_or_404(request, lead_id)
        try:
            lead_accept(lead_id=lead.pk, partner=partner, actor=request.user)
        except LeadActionError as exc:
            return _conflict(exc)
        _, lead = _partner_lead_or_404(request, lead_id)
        return Response(LeadOutputSerializer(lead).data)


class PartnerLeadDeclineApi(APIView):
    authentication_classes = [TokenAuthentication]
    permission_classes = [IsAuthenticated]

    @extend_schema_serializer(component_name="PartnerLeadDeclineInput")
    class InputSerializer(serializers.Serializer):
        reason = serializers.ChoiceField(
            choices=DeclineReason.choices,
            error_messages={
                "invalid_choice": f'"{{input}}" is not accepted; use one of: '
                f"{', '.join(DeclineReason.values)}."
            },
        )
        note = serializers.CharField(
            required=False, allow_blank=True, max_length=4000, help_text='Required for "other".'
        )

        def validate(self, attrs):
            # The service refuses it too; checked here so the 400 names the field.
            if attrs["reason"] == DeclineReason.OTHER and not attrs.get("note", "").strip():
                raise serializers.ValidationError({"note": [OTHER_NEEDS_NOTE]})
            return attrs

    @extend_schema(
        request=InputSerializer,
        responses={200: LeadOutputSerializer, **error_responses(400, 401, 404, 409)},
        summary="Decline a lead",
        description="The lead moves on to the next partner. 409 when it is no longer offered.",
    )
    def post(self, request, lead_id: int):
        partner, lead = _partner_lead_or_404(request, lead_id)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            lead = lead_decline(
                lead_id=lead.pk,
                partner=partner,
                actor=request.user,
                reason=serializer.validated_data["reason"],
                note=serializer.validated_data.get("note", ""),
            )
        except LeadActionError as exc:
            return _conflict(exc)
        _, lead = _partner_lead_or_404(request, lead_id)
        return Response(LeadOutputSerializer(lead).data)


# --- Credit applications ------------------------------------------------------------


class ApplicationPagination(LeadPagination):
    pass


def _partner_application_or_404(request, application_id: int) -> CreditApplication:
    application = selectors.application_get_for_partner(
        partner=request.partner, application_id=application_id
    )
    if application is None:
        raise Http404("No application with this id.")
    return application


def _application_conflict(exc: ApplicationTransitionError) -> Response:
    return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)


def _application_invalid(exc: ApplicationInputError) -> Response:
    return Response(exc.errors, status=status.HTTP_400_BAD_REQUEST)


@extend_schema_serializer(component_name="PartnerApplicationEvent")
class _ApplicationEventSerializer(serializers.Serializer):
    # "from" is a Python keyword: declared as from_status, renamed in get_fields().
    from_status = serializers.SerializerMethodField(method_name="get_from_status")
    to = serializers.ChoiceField(source="to_status", choices=ApplicationStatus.choices)
    at = serializers.DateTimeField(source="created_at")
    note = serializers.CharField()
    actor = serializers.EmailField(source="actor.email", default=None, allow_null=True)

    def get_fields(self):
        fields = super().get_fields()
        return {"from": fields.pop("from_status"), **fields}

    @extend_schema_field(
        serializers.ChoiceField(choices=ApplicationStatus.choices, allow_null=True)
    )
    def get_from_status(self, event: ApplicationEvent) -> str | None:
        return event.from_status or None


@extend_schema_serializer(component_name="PartnerApplicationPrecheckProblem")
class _PrecheckProblemSerializer(serializers.Serializer):
    field = serializers.CharField()
    message = serializers.CharField()


@extend_schema_serializer(component_name="PartnerApplication")
class ApplicationOutputSerializer(serializers.Serializer):
    """An application read through `selectors.applications_for_partner` (which annotates
    `lead_id` and prefetches the events)."""

    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=ApplicationStatus.choices)
    program = serializers.CharField(source="program.code", help_text="Program code")
    program_name = serializers.CharField(source="program.name")
    requested_amount = serializers.DecimalField(max_digits=12, decimal_places=2)
    approved_amount = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    issued_amount = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    ace_opportunity_id = serializers.CharField(allow_blank=True)
    lead = serializers.IntegerField(source="lead_id")
    startup_name = serializers.CharField(source="startup.name")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    events = _ApplicationEventSerializer(many=True, source="events.all")


@extend_schema_serializer(component_name="PartnerApplicationDetail")
class ApplicationDetailOutputSerializer(ApplicationOutputSerializer):
    precheck = serializers.SerializerMethodField(
        help_text="What ACE would refuse at submission; empty when the filing is complete."
    )

    @extend_schema_field(_PrecheckProblemSerializer(many=True))
    def get_precheck(self, application: CreditApplication) -> list[dict]:
        problems = application_precheck(application=application)
        return _PrecheckProblemSerializer(problems, many=True).data


class PartnerApplicationListApi(APIView):
    authentication_classes = [TokenAuthentication]
    permission_classes = [IsPartnerMember]

    @extend_schema_serializer(component_name="PartnerApplicationPage")
    class OutputSerializer(serializers.Serializer):
        count = serializers.IntegerField()
        next = serializers.URLField(allow_null=True)
        previous = serializers.URLField(allow_null=True)
        results = ApplicationOutputSerializer(many=True)

    @extend_schema(
        parameters=[OpenApiParameter("page", int, required=False)],
        responses={200: OutputSerializer, **error_responses(401, 403, 404)},
        operation_id="partner_applications_list",
        summary="Your firm's credit applications, newest first",
        description="50 a page: the applications of the startups whose lead your firm "
        "accepted, each with its events.",
    )
    def get(self, request):
        applications = selectors.applications_for_partner(partner=request.partner)
        paginator = ApplicationPagination()
        page = paginator.paginate_queryset(applications, request, view=self)
        return paginator.get_paginated_response(ApplicationOutputSerializer(page, many=True).data)


class PartnerApplicationCreateApi(APIView):
    authentication_classes = [TokenAuthentication]
    permission_classes = [IsPartnerMember]

    @extend_schema_serializer(component_name="PartnerApplicationCreateInput")
    class InputSerializer(serializers.Serializer):
        lead = serializers.IntegerField(help_text="One of your firm's accepted leads")
        program = serializers.CharField(max_length=40, help_text="Program code")
        requested_amount = serializers.DecimalField(
            max_digits=12, decimal_places=2, min_value=Decimal("0.01")
        )
        target_close_date = serializers.DateField(required=False, allow_null=True)

    @extend_schema(
        request=InputSerializer,
        responses={201: ApplicationOutputSerializer, **error_responses(400, 401, 403, 404, 409)},
        operation_id="partner_applications_create",
        summary="Start a credit application (a draft) for an accepted lead",
        description="404 for a lead that is not your firm's; 409 when the lead is not "
        "accepted or the startup already has an open application for the program; 400 "
        "names the field for an unknown program or an amount outside its range.",
    )
    def post(self, request):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        lead = selectors.lead_get_for_partner(partner=request.partner, lead_id=data["lead"])
        if lead is None:
            raise Http404("No lead with this id.")
        if lead.status != LeadStatus.ACCEPTED:
            return Response(
                {"detail": "Accept the lead before filing a credit application for it."},
                status=status.HTTP_409_CONFLICT,
            )
        try:
            application = application_create(
                startup_id=lead.startup_id,
                program_code=data["program"],
                requested_amount=data["requested_amount"],
                target_close_date=data.get("target_close_date"),
                actor=request.user,
            )
        except ApplicationInputError as exc:
            return _application_invalid(exc)
        except ApplicationTransitionError as exc:
            return _application_conflict(exc)
        application = _partner_application_or_404(request, application.pk)
        return Response(
            ApplicationOutputSerializer(application).data, status=status.HTTP_201_CREATED
        )


class PartnerApplicationDetailApi(APIView):
    authentication_classes = [TokenAuthentication]
    permission_classes = [IsPartnerMember]

    @extend_schema(
        responses={200: ApplicationDetailOutputSerializer, **error_responses(401, 403, 404)},
        operation_id="partner_applications_retrieve",
        summary="One of your firm's credit applications",
        description="With its events and the pre-submission check's problems. Another "
        "firm's application is a 404.",
    )
    def get(self, request, application_id: int):
        application = _partner_application_or_404(request, application_id)
        return Response(ApplicationDetailOutputSerializer(application).data)


class PartnerApplicationTransitionApi(APIView):
    authentication_classes = [TokenAuthentication]
    permission_classes = [IsPartnerMember]

    @extend_schema_serializer(component_name="PartnerApplicationTransitionInput")
    class InputSerializer(serializers.Serializer):
        to = serializers.ChoiceField(
            choices=ApplicationStatus.choices,
            error_messages={
                "invalid_choice": f'"{{input}}" is not a state; use one of: '
                f"{', '.join(ApplicationStatus.values)}."
            },
        )
        ace_opportunity_id = serializers.CharField(
            required=False, allow_blank=True, max_length=40, help_text="To submit: O + digits"
        )
        approved_amount = serializers.DecimalField(
            max_digits=12, decimal_places=2, required=False, allow_null=True
        )
        issued_amount = serializers.DecimalField(
            max_digits=12, decimal_places=2, required=False, allow_null=True
        )
        expires_on = serializers.DateField(required=False, allow_null=True)
        note = serializers.CharField(required=False, allow_blank=True, max_length=4000)

    @extend_schema(
        request=InputSerializer,
        responses={
            200: ApplicationDetailOutputSerializer,
            **error_responses(400, 401, 403, 404, 409),
        },
        operation_id="partner_applications_transition",
        summary="Move a credit application to its next state",
        description="Send what the step needs: `ace_opportunity_id` to submit, "
        "`approved_amount` to approve, `issued_amount` and `expires_on` to issue credits. "
        "400 names a missing or invalid field; 409 for a move the current state does not "
        "allow; another firm's application is a 404.",
    )
    def post(self, request, application_id: int):
        application = _partner_application_or_404(request, application_id)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            application_transition(
                application_id=application.pk,
                to=data["to"],
                actor=request.user,
                note=data.get("note", ""),
                ace_opportunity_id=data.get("ace_opportunity_id") or None,
                approved_amount=data.get("approved_amount"),
                issued_amount=data.get("issued_amount"),
                expires_on=data.get("expires_on"),
            )
        except ApplicationInputError as exc:
            return _application_invalid(exc)
        except ApplicationTransitionError as exc:
            return _application_conflict(exc)
        application = _partner_application_or_404(request, application_id)
        return Response(ApplicationDetailOutputSerializer(application).data)


class PartnerApplicationFileWithAceApi(APIView):
    authentication_classes = [TokenAuthentication]
    permission_classes = [IsPartnerMember]

    @extend_schema(
        request=None,
        responses={
            200: ApplicationDetailOutputSerializer,
            **error_responses(400, 401, 403, 404, 409, 502),
        },
        operation_id="partner_applications_file_with_ace",
        summary="File a draft in ACE and submit it",
        description="For a firm whose ACE account CloudRoute manages: creates the opportunity "
        "in AWS Partner Central (retries never duplicate it), submits it, and moves the "
        "application to `submitted` with the opportunity id. 400 names what the "
        "pre-submission check or ACE's rules find missing; 409 when the application is not "
        "a draft or the firm files in Partner Central itself; 502 when ACE fails (nothing "
        "changed; retry). Another firm's application is a 404.",
    )
    def post(self, request, application_id: int):
        application = _partner_application_or_404(request, application_id)
        try:
            application_file_with_ace(
                application_id=application.pk, partner=request.partner, actor=request.user
            )
        except ApplicationInputError as exc:
            return _application_invalid(exc)
        except ApplicationTransitionError as exc:
            return _application_conflict(exc)
        except AceUnavailableError as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_502_BAD_GATEWAY)
        application = _partner_application_or_404(request, application_id)
        return Response(ApplicationDetailOutputSerializer(application).data)


class PartnerApplicationCollectionApi(PartnerApplicationListApi, PartnerApplicationCreateApi):
    """`/api/v1/partner/applications/`: GET lists, POST creates (each view's own method)."""
