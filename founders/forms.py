"""The intake form: three sections whose rules come from the models (as in the API)."""

from django import forms

from workloads.choices import AwsRegion, Tier, UseCase
from workloads.models import Startup, Workload


class CompanyForm(forms.ModelForm):
    prefix = "company"

    class Meta:
        model = Startup
        fields = [
            "name",
            "website",
            "country",
            "state",
            "postal_code",
            "industry",
            "founded_on",
            "stage",
            "activate_org_id",
            "prior_activate_credits",
            "aws_account_id",
            "aws_paid_plan",
            "uses_china_regions",
        ]
        widgets = {
            "founded_on": forms.DateInput(attrs={"type": "date"}),
            "website": forms.URLInput(attrs={"placeholder": "https://"}),
            "aws_account_id": forms.TextInput(
                attrs={
                    "inputmode": "numeric",
                    "pattern": "[0-9]{12}",
                    "placeholder": "210987654321",
                }
            ),
        }


class FounderForm(forms.Form):
    prefix = "founder"

    name = forms.CharField(max_length=150, help_text="So your partner knows whom to talk to.")
    email = forms.EmailField(
        max_length=254, help_text="We e-mail you a sign-in link to your dashboard; no password."
    )


class WorkloadForm(forms.ModelForm):
    prefix = "workload"

    class Meta:
        model = Workload
        fields = [
            "use_case",
            "description",
            "region",
            "monthly_requests",
            "monthly_growth",
            "input_tokens",
            "cached_prefix_tokens",
            "output_tokens",
            "cache_hit_rate",
            "batch_share",
            "escalation_sonnet",
            "escalation_opus",
            "baseline_tier",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            **{
                name: forms.NumberInput(attrs={"step": "0.01", "min": "0", "max": "1"})
                for name in (
                    "cache_hit_rate",
                    "batch_share",
                    "escalation_sonnet",
                    "escalation_opus",
                )
            },
            "monthly_growth": forms.NumberInput(attrs={"step": "0.01", "min": "-0.5", "max": "5"}),
        }

    # Defaults a typical seed-stage classification workload would start from.
    INITIAL = {
        "use_case": UseCase.CLASSIFICATION,
        "region": AwsRegion.US_EAST_1,
        "monthly_requests": 500_000,
        "monthly_growth": 0.05,
        "input_tokens": 6000,
        "cached_prefix_tokens": 4500,  # above every current model's minimum cacheable prefix
        "output_tokens": 300,
        "cache_hit_rate": 0.8,
        "batch_share": 0.2,
        "escalation_sonnet": 0.03,
        "escalation_opus": 0.0,
        "baseline_tier": Tier.OPUS,
    }


class WorkloadEstimateForm(WorkloadForm):
    """The fields the live estimate needs; the founder may not have written the rest yet."""

    class Meta(WorkloadForm.Meta):
        fields = [
            "monthly_requests",
            "monthly_growth",
            "input_tokens",
            "cached_prefix_tokens",
            "output_tokens",
            "cache_hit_rate",
            "batch_share",
            "escalation_sonnet",
            "escalation_opus",
            "baseline_tier",
        ]

    # The estimate runs on every keystroke and never saves: skip the checks Django makes
    # against the database. The model's CheckConstraints (a query each, ~24 a keystroke)
    # repeat rules the field validators and Workload.clean() already enforce, and both still
    # run. (Django 6 checks constraints in validate_constraints(), apart from uniqueness.)
    def validate_unique(self) -> None:
        pass

    def validate_constraints(self) -> None:
        pass


class BillingAccessForm(forms.Form):
    """The role ARN a founder pastes on /my/ (the service validates it)."""

    role_arn = forms.CharField(
        label="IAM role ARN",
        max_length=200,
        help_text="For example arn:aws:iam::123456789012:role/CloudRouteCosts.",
        error_messages={"required": "Enter the ARN of the role you created."},
    )
