"""`/api/v1/partner/leads/`: a firm's leads, accept and decline."""

from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_serializer,
)
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import error_responses
from core.serializers import Serializer
from credits import selectors as credit_selectors
from matching import lead_shapes, selectors
from matching.lead_shapes import lead_summary_row
from matching.models import DeclineReason, Lead, LeadStatus
from matching.services import OTHER_NEEDS_NOTE, lead_accept, lead_decline
from workloads.selectors import workload_projection_latest

from ..serializers.estimates import EscalationSerializer
from ..tokens import ExpiringTokenAuthentication
from .permissions import (
    FindsPartner,
    FindsPartnerRequest,
    IsPartnerMember,
    PartnerPagination,
    PartnerRequest,
)

# --- Output shapes shared by the lead views ----------------------------------------


@extend_schema_serializer(component_name="PartnerLeadCompany")
class _CompanySerializer(Serializer):
    name = serializers.CharField()
    stage = serializers.CharField()
    industry = serializers.CharField()
    country = serializers.CharField(help_text="ISO 3166-1 alpha-2")
    website = serializers.CharField(allow_blank=True)


@extend_schema_serializer(component_name="PartnerLeadWorkload")
class _WorkloadSummarySerializer(Serializer):
    use_case = serializers.CharField()
    region = serializers.CharField()
    monthly_requests = serializers.IntegerField()
    input_tokens = serializers.IntegerField()
    output_tokens = serializers.IntegerField()
    escalation = EscalationSerializer()


@extend_schema_serializer(component_name="PartnerLeadContact")
class _ContactSerializer(Serializer):
    name = serializers.CharField()
    email = serializers.EmailField()
    aws_account_id = serializers.CharField(allow_blank=True)


@extend_schema_serializer(component_name="PartnerLead")
class LeadOutputSerializer(Serializer):
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
        return lead_shapes.company(lead)

    @extend_schema_field(_WorkloadSummarySerializer)
    def get_workload(self, lead: Lead) -> dict:
        return lead_shapes.workload(lead)

    @extend_schema_field(_ContactSerializer(allow_null=True))
    def get_contact(self, lead: Lead) -> dict | None:
        return lead_shapes.contact(lead)


# --- Views --------------------------------------------------------------------------


class PartnerLeadListApi(APIView):
    authentication_classes = [ExpiringTokenAuthentication]
    permission_classes = [IsPartnerMember]

    @extend_schema_serializer(component_name="PartnerLeadPage")
    class OutputSerializer(Serializer):
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
    def get(self, request: PartnerRequest) -> Response:
        lead_status = request.query_params.get("status") or None
        if lead_status is not None and lead_status not in LeadStatus.values:
            raise serializers.ValidationError(
                {"status": [f"Use one of: {', '.join(LeadStatus.values)}."]}
            )
        rows = selectors.lead_inbox_rows_for_partner(partner=request.partner, status=lead_status)
        paginator = PartnerPagination()
        # CountedRows counts and slices as Django's Paginator needs; the stubs know only
        # querysets and sequences. `page` is None only for a paginator without a page size.
        page: list[dict] | None = paginator.paginate_queryset(rows, request, view=self)  # type: ignore[arg-type]
        return paginator.get_paginated_response([lead_summary_row(row) for row in page or ()])


@extend_schema_serializer(component_name="PartnerLeadNote")
class _NoteSerializer(Serializer):
    id = serializers.IntegerField()
    author = serializers.EmailField(source="author.email", default=None, allow_null=True)
    body = serializers.CharField()
    created_at = serializers.DateTimeField()


@extend_schema_serializer(component_name="PartnerLeadEligibility")
class _EligibilitySerializer(Serializer):
    recommended = serializers.ListField(
        child=serializers.CharField(), source="result.recommended", help_text="Program codes"
    )
    total_expected = serializers.DecimalField(max_digits=12, decimal_places=2)
    checked_at = serializers.DateTimeField(source="created_at")


@extend_schema_serializer(component_name="PartnerLeadProjectionTotals")
class _ProjectionTotalsSerializer(Serializer):
    cost = serializers.DecimalField(max_digits=14, decimal_places=2)
    baseline_cost = serializers.DecimalField(max_digits=14, decimal_places=2)
    credits_applied = serializers.DecimalField(max_digits=14, decimal_places=2)
    out_of_pocket = serializers.DecimalField(max_digits=14, decimal_places=2)


@extend_schema_serializer(component_name="PartnerLeadProjection")
class _ProjectionSerializer(Serializer):
    months = serializers.SerializerMethodField()
    first_out_of_pocket_month = serializers.IntegerField(
        source="result.first_out_of_pocket_month", allow_null=True
    )
    totals = _ProjectionTotalsSerializer(source="result.totals")
    created_at = serializers.DateTimeField()

    def get_months(self, projection) -> int:
        return len(projection.result.get("months", []))


class PartnerLeadDetailApi(APIView):
    authentication_classes = [ExpiringTokenAuthentication]
    permission_classes = [FindsPartner]

    @extend_schema_serializer(component_name="PartnerLeadDetail")
    class OutputSerializer(LeadOutputSerializer):
        """A lead with what the detail adds, read by the view and passed in `context`."""

        notes = serializers.SerializerMethodField()
        eligibility = serializers.SerializerMethodField()
        projection = serializers.SerializerMethodField()

        @extend_schema_field(_NoteSerializer(many=True))
        def get_notes(self, lead: Lead) -> list[dict]:
            # many=True builds a ListSerializer (its data a list); the stub types it as the class.
            return _NoteSerializer(self.context["notes"], many=True).data  # type: ignore[return-value]

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
    def get(self, request: FindsPartnerRequest, lead_id: int) -> Response:
        lead = selectors.lead_for_partner_or_404(partner=request.partner, lead_id=lead_id)
        context = {
            "notes": lead.notes.select_related("author"),
            "snapshot": credit_selectors.snapshot_latest(startup_id=lead.startup_id),
            "projection": workload_projection_latest(workload_id=lead.workload_id),
        }
        return Response(self.OutputSerializer(lead, context=context).data)


class PartnerLeadAcceptApi(APIView):
    authentication_classes = [ExpiringTokenAuthentication]
    permission_classes = [FindsPartner]

    @extend_schema(
        request=None,
        responses={200: LeadOutputSerializer, **error_responses(401, 404, 409)},
        summary="Accept a lead",
        description="409 when the lead is no longer offered or its accept-by time has passed. "
        "The answer includes the founder's contact details.",
    )
    def post(self, request: FindsPartnerRequest, lead_id: int) -> Response:
        lead = selectors.lead_for_partner_or_404(partner=request.partner, lead_id=lead_id)
        lead_accept(lead_id=lead.pk, partner=lead.partner, actor=request.user)
        lead = selectors.lead_for_partner_or_404(partner=request.partner, lead_id=lead_id)
        return Response(LeadOutputSerializer(lead).data)


class PartnerLeadDeclineApi(APIView):
    authentication_classes = [ExpiringTokenAuthentication]
    permission_classes = [FindsPartner]

    @extend_schema_serializer(component_name="PartnerLeadDeclineInput")
    class InputSerializer(Serializer):
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
    def post(self, request: FindsPartnerRequest, lead_id: int) -> Response:
        lead = selectors.lead_for_partner_or_404(partner=request.partner, lead_id=lead_id)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        lead_decline(
            lead_id=lead.pk,
            partner=lead.partner,
            actor=request.user,
            reason=serializer.validated_data["reason"],
            note=serializer.validated_data.get("note", ""),
        )
        lead = selectors.lead_for_partner_or_404(partner=request.partner, lead_id=lead_id)
        return Response(LeadOutputSerializer(lead).data)
