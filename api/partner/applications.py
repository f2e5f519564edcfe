"""`/api/v1/partner/applications/`: a firm's credit applications, from a draft to credits
issued, and filing with ACE."""

from decimal import Decimal

from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_serializer,
)
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import error_responses
from core.serializers import Serializer
from credits.models import ApplicationEvent, ApplicationStatus, CreditApplication
from credits.services import application_precheck, application_transition
from matching import selectors
from matching.lead_shapes import datetime_str
from matching.models import FilingStep
from matching.services import application_file_with_ace, application_start

from ..tokens import ExpiringTokenAuthentication
from .permissions import IsPartnerMember, PartnerPagination, PartnerRequest

CENT = Decimal("0.01")


@extend_schema_serializer(component_name="PartnerApplicationEvent")
class _ApplicationEventSerializer(Serializer):
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
class _PrecheckProblemSerializer(Serializer):
    field = serializers.CharField()
    message = serializers.CharField()


@extend_schema_serializer(component_name="PartnerApplication")
class ApplicationOutputSerializer(Serializer):
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


@extend_schema_serializer(component_name="PartnerApplicationAceFiling")
class _AceFilingSerializer(Serializer):
    step = serializers.ChoiceField(choices=FilingStep.choices)
    opportunity_id = serializers.CharField(allow_blank=True)
    engagement_status = serializers.CharField(
        allow_blank=True, help_text="ACE's engagement task: IN_PROGRESS, COMPLETE or FAILED"
    )
    engagement_message = serializers.CharField(allow_blank=True)
    last_error = serializers.CharField(allow_blank=True)
    attempts = serializers.IntegerField()


@extend_schema_serializer(component_name="PartnerApplicationDetail")
class ApplicationDetailOutputSerializer(ApplicationOutputSerializer):
    precheck = serializers.SerializerMethodField(
        help_text="What ACE would refuse at submission; empty when the filing is complete."
    )

    ace_filing = serializers.SerializerMethodField(
        help_text="Where filing with ACE stands; null before the first attempt."
    )

    @extend_schema_field(_AceFilingSerializer(allow_null=True))
    def get_ace_filing(self, application: CreditApplication) -> dict | None:
        filing = getattr(application, "ace_filing", None)  # select_related by the selector
        return _AceFilingSerializer(filing).data if filing else None

    @extend_schema_field(_PrecheckProblemSerializer(many=True))
    def get_precheck(self, application: CreditApplication) -> list[dict]:
        problems = application_precheck(application=application)
        # many=True builds a ListSerializer (its data a list); the stub types it as the class.
        return _PrecheckProblemSerializer(problems, many=True).data  # type: ignore[return-value]


def _money(value: Decimal | None) -> str | None:
    """An amount as the serializer's DecimalField writes it ("1234.50"), None for None."""
    return None if value is None else f"{value.quantize(CENT):f}"


def application_summary(row: dict, events: list[dict]) -> dict:
    """ApplicationOutputSerializer's output, built from `selectors.application_rows_for_
    partner` rows: a page of 50 applications with their events as model instances and
    serializer fields cost ten times the queries (docs/performance.md). A test holds the two
    to the same output."""
    return {
        "id": row["id"],
        "status": row["status"],
        "program": row["program__code"],
        "program_name": row["program__name"],
        "requested_amount": _money(row["requested_amount"]),
        "approved_amount": _money(row["approved_amount"]),
        "issued_amount": _money(row["issued_amount"]),
        "ace_opportunity_id": row["ace_opportunity_id"],
        "lead": row["lead_id"],
        "startup_name": row["startup__name"],
        "created_at": datetime_str(row["created_at"]),
        "updated_at": datetime_str(row["updated_at"]),
        "events": [
            {
                "from": event["from_status"] or None,
                "to": event["to_status"],
                "at": datetime_str(event["created_at"]),
                "note": event["note"],
                "actor": event["actor_email"],
            }
            for event in events
        ],
    }


class PartnerApplicationListApi(APIView):
    authentication_classes = [ExpiringTokenAuthentication]
    permission_classes = [IsPartnerMember]

    @extend_schema_serializer(component_name="PartnerApplicationPage")
    class OutputSerializer(Serializer):
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
    def get(self, request: PartnerRequest) -> Response:
        rows = selectors.application_rows_for_partner(partner=request.partner)
        paginator = PartnerPagination()
        # CountedRows counts and slices as Django's Paginator needs (see the inbox).
        page: list[dict] = paginator.paginate_queryset(rows, request, view=self) or []  # type: ignore[arg-type]
        events = selectors.application_event_rows(application_ids=[row["id"] for row in page])
        return paginator.get_paginated_response(
            [application_summary(row, events[row["id"]]) for row in page]
        )


class PartnerApplicationCreateApi(APIView):
    authentication_classes = [ExpiringTokenAuthentication]
    permission_classes = [IsPartnerMember]

    @extend_schema_serializer(component_name="PartnerApplicationCreateInput")
    class InputSerializer(Serializer):
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
    def post(self, request: PartnerRequest) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        lead = selectors.lead_for_partner_or_404(partner=request.partner, lead_id=data["lead"])
        application = application_start(
            partner=request.partner,
            lead=lead,
            program_code=data["program"],
            requested_amount=data["requested_amount"],
            target_close_date=data.get("target_close_date"),
            actor=request.user,
        )
        application = selectors.application_for_partner_or_404(
            partner=request.partner, application_id=application.pk
        )
        return Response(
            ApplicationOutputSerializer(application).data, status=status.HTTP_201_CREATED
        )


class PartnerApplicationDetailApi(APIView):
    authentication_classes = [ExpiringTokenAuthentication]
    permission_classes = [IsPartnerMember]

    @extend_schema(
        responses={200: ApplicationDetailOutputSerializer, **error_responses(401, 403, 404)},
        operation_id="partner_applications_retrieve",
        summary="One of your firm's credit applications",
        description="With its events and the pre-submission check's problems. Another "
        "firm's application is a 404.",
    )
    def get(self, request: PartnerRequest, application_id: int) -> Response:
        application = selectors.application_for_partner_or_404(
            partner=request.partner, application_id=application_id
        )
        return Response(ApplicationDetailOutputSerializer(application).data)


class PartnerApplicationTransitionApi(APIView):
    authentication_classes = [ExpiringTokenAuthentication]
    permission_classes = [IsPartnerMember]

    @extend_schema_serializer(component_name="PartnerApplicationTransitionInput")
    class InputSerializer(Serializer):
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
    def post(self, request: PartnerRequest, application_id: int) -> Response:
        application = selectors.application_for_partner_or_404(
            partner=request.partner, application_id=application_id
        )
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
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
        application = selectors.application_for_partner_or_404(
            partner=request.partner, application_id=application_id
        )
        return Response(ApplicationDetailOutputSerializer(application).data)


class PartnerApplicationFileWithAceApi(APIView):
    authentication_classes = [ExpiringTokenAuthentication]
    permission_classes = [IsPartnerMember]

    @extend_schema(
        request=None,
        responses={
            200: ApplicationDetailOutputSerializer,
            **error_responses(400, 401, 403, 404, 409, 502),
        },
        operation_id="partner_applications_file_with_ace",
        summary="File a draft in ACE and submit it",
        description="For a firm whose ACE account CloudRoute manages, AWS's filing sequence: "
        "creates the opportunity in AWS Partner Central at stage Qualified, associates the "
        "firm's solution, and starts the engagement (which submits it); the application "
        "moves to `submitted` with the opportunity id once the engagement task completes "
        "(`ace_filing.step` is `done`; while ACE runs it, the answer is the draft with "
        "`ace_filing.step` `engage`, and the sync submits it). Each step is kept as soon "
        "as ACE answers, so a retry resumes at the step that failed and never duplicates "
        "the opportunity. 400 names what the pre-submission check or ACE's rules find "
        "missing; 409 when the application is not a draft or the firm files in Partner "
        "Central itself; 502 when ACE fails or refuses a step (retry). Another firm's "
        "application is a 404.",
    )
    def post(self, request: PartnerRequest, application_id: int) -> Response:
        application = selectors.application_for_partner_or_404(
            partner=request.partner, application_id=application_id
        )
        application_file_with_ace(
            application_id=application.pk, partner=request.partner, actor=request.user
        )
        application = selectors.application_for_partner_or_404(
            partner=request.partner, application_id=application_id
        )
        return Response(ApplicationDetailOutputSerializer(application).data)


class PartnerApplicationCollectionApi(PartnerApplicationListApi, PartnerApplicationCreateApi):
    """`/api/v1/partner/applications/`: GET lists, POST creates (each view's own method)."""
