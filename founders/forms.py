"""The intake form: three sections whose rules come from the models (as in the API).

What the page adds for founders: shares are typed as percents (the models and the API keep
fractions), an AWS account id may have dashes or spaces, a US state is picked from ACE's
list, and every message is in a founder's words."""

from decimal import Decimal

from django import forms
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.validators import ProhibitNullCharactersValidator

from core.validators import NoControlCharactersValidator, aws_account_id_normalize
from matching.services import ConfirmChoice
from workloads.choices import US_STATES, AwsRegion, Endpoint, Tier, UseCase, us_state_name
from workloads.models import WORKLOAD_ANSWERS, Startup, Workload
from workloads.throughput import DEFAULT_PEAK_FACTOR, MAX_PEAK_FACTOR

HUNDRED = Decimal(100)


def _too_long(what: str) -> str:
    # Django's MaxLengthValidator params; a literal percent sign would be %%.
    return f"Keep {what} to %(limit_value)d characters or fewer (it has %(show_value)d)."


def founder_words(form: forms.BaseForm) -> None:
    """No `maxlength` or `pattern` attribute (a browser cuts pasted text without a word; the
    server says what the answer may be) and a length message in a founder's words. A field
    that refuses control characters says so once (not also Django's "Null characters are
    not allowed.")."""
    for field in form.fields.values():
        field.widget.attrs.pop("maxlength", None)
        field.widget.attrs.pop("pattern", None)
        if isinstance(field, forms.CharField) and field.max_length:
            field.error_messages.setdefault("max_length", _too_long("this answer"))
        if any(isinstance(v, NoControlCharactersValidator) for v in field.validators):
            field.validators = [
                v for v in field.validators if not isinstance(v, ProhibitNullCharactersValidator)
            ]


class IntakeModelForm(forms.ModelForm):
    """A section of the intake saved as a model row."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # The model's control-character check, on the form field too: one message, in the
        # field's words, before the model is built.
        for name, field in self.fields.items():
            try:
                model_field = self._meta.model._meta.get_field(name)
            except FieldDoesNotExist:
                continue
            field.validators += [
                validator
                for validator in model_field.validators
                if isinstance(validator, NoControlCharactersValidator)
                and validator not in field.validators
            ]
        founder_words(self)

    def _update_errors(self, errors: ValidationError) -> None:
        # ModelForm's hook for the model's errors (private, so not in django-stubs). The
        # model's clean() may refuse a field the form has already refused in its own words
        # (Startup.clean's missing US state): keep one message, the form's. `self.errors` is
        # the dict being filled here (full_clean is under way), so reading it cleans nothing.
        if hasattr(errors, "error_dict"):
            for name in [name for name in errors.error_dict if name in self.errors]:
                del errors.error_dict[name]
        super()._update_errors(errors)  # type: ignore[misc]


# --- Company ------------------------------------------------------------------------------


class UsStateField(forms.ChoiceField):
    """A US state or territory from ACE's list; "WA" or "washington" mean "Washington"."""

    def to_python(self, value):
        text = super().to_python(value)
        return us_state_name(text) or text


class AwsAccountIdField(forms.CharField):
    def to_python(self, value):
        return aws_account_id_normalize(super().to_python(value))


class CompanyForm(IntakeModelForm):
    prefix = "company"

    # Two fields for the one Startup.state, merged in clean(): the select counts for a US
    # company, the text for any other country. Without JavaScript both show, each labelled
    # with the countries it is for; static/js/intake-state.js shows only the one that counts.
    state = UsStateField(
        label="State (US companies)",
        required=False,
        choices=[("", "Choose a state or territory"), *((n, n) for n in US_STATES.values())],
        error_messages={"invalid_choice": "Choose your state or territory from the list."},
    )
    state_or_region = forms.CharField(
        label="State or region (other countries)",
        required=False,
        max_length=Startup._meta.get_field("state").max_length,
        validators=[NoControlCharactersValidator("The state or region")],
        help_text="Leave empty if your address has none.",
    )
    aws_account_id = AwsAccountIdField(
        label="AWS account id",
        required=False,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "off", "placeholder": "2109-8765-4321"}
        ),
        help_text="12 digits, top right of the AWS console; dashes or spaces are fine. "
        "Leave empty if you have none yet.",
    )

    class Meta:
        model = Startup
        fields = [
            "name",
            "website",
            "country",
            "state",
            "state_or_region",
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
        }
        error_messages = {
            "name": {
                "required": "Enter your company's name.",
                "max_length": _too_long("the company name"),
            },
            "website": {
                "invalid": "Enter the full web address, e.g. https://acme.example.",
                "max_length": _too_long("the web address"),
            },
            "country": {"required": "Choose the country where the company is registered."},
            "industry": {"required": "Choose the closest industry."},
            "founded_on": {
                "required": "Enter the date the company was founded.",
                "invalid": "Enter the founding date as a date, e.g. 2023-05-10.",
            },
            "stage": {"required": "Choose your latest funding stage."},
            "postal_code": {"max_length": _too_long("the postal code")},
            "activate_org_id": {"max_length": _too_long("the organization id")},
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Editing a non-US startup: its region goes in the text field.
        if self.initial.get("state") and not us_state_name(self.initial["state"]):
            self.initial["state_or_region"] = self.initial.pop("state")

    def clean(self):
        cleaned = super().clean()
        region = cleaned.pop("state_or_region", "") or ""
        country = cleaned.get("country")
        if country == "US":
            # A founder without JavaScript may have typed "WA" in the text field instead.
            state = cleaned.get("state") or us_state_name(region)
            if state:
                cleaned["state"] = state
            elif "state" not in self._errors:
                self.add_error("state", "Choose the state or territory of your US address.")
        elif country:
            cleaned["state"] = region
        return cleaned


# --- Founder --------------------------------------------------------------------------------


class FounderForm(forms.Form):
    prefix = "founder"

    name = forms.CharField(
        max_length=150,
        help_text="So your partner knows whom to talk to.",
        validators=[NoControlCharactersValidator("Your name")],
        error_messages={"required": "Enter your name.", "max_length": _too_long("your name")},
    )
    email = forms.EmailField(
        label="E-mail",
        max_length=254,
        help_text="We e-mail you a sign-in link to your dashboard; no password.",
        error_messages={
            "required": "Enter your e-mail address.",
            "invalid": "Enter an e-mail address like you@company.com.",
            "max_length": _too_long("the e-mail address"),
        },
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        founder_words(self)


# --- Workload -------------------------------------------------------------------------------


def plain(number: Decimal) -> str:
    """12.50 -> "12.5", 80 -> "80" (never "8E+1")."""
    return format(number.normalize(), "f") if number else "0"


def percent_text(fraction: float | Decimal) -> str:
    """A stored fraction as the percent the page shows: 0.03 -> "3", 0.035 -> "3.5"."""
    return plain(Decimal(str(fraction)) * HUNDRED)


class PercentField(forms.DecimalField):
    """A share typed as a percent (25, 3.5) and cleaned to the fraction the model stores
    (0.25, 0.035), exactly: the division is in Decimal, then the nearest float."""

    def __init__(self, *, low: int = 0, high: int = 100, **kwargs) -> None:
        message = f"Enter a percentage between {low} and {high}."
        messages = {key: message for key in ("required", "invalid", "min_value", "max_value")}
        super().__init__(
            min_value=Decimal(low),
            max_value=Decimal(high),
            error_messages=messages,
            widget=forms.NumberInput(attrs={"inputmode": "decimal"}),
            **kwargs,
        )

    def clean(self, value):
        percent = super().clean(value)
        return None if percent is None else float(percent / HUNDRED)


# The form's percent fields and the fractions the model stores for them.
PERCENT_FIELDS = ("monthly_growth", "cache_hit_rate", "batch_share")
ESCALATION_FIELDS = ("escalation_sonnet", "escalation_opus")


class WorkloadForm(IntakeModelForm):
    prefix = "workload"

    monthly_growth = PercentField(
        low=-50,
        high=500,
        label="Growth per month (%)",
        help_text="5 means +5% a month; a negative number if traffic shrinks.",
    )
    cache_hit_rate = PercentField(
        label="Cache hit rate (%)",
        help_text="Percent of requests that find the prefix already cached (0 to 100); "
        "steady traffic is often 80 or more.",
    )
    batch_share = PercentField(
        label="Batch share (%)",
        help_text="Percent of requests nobody waits for (nightly jobs, backfills): "
        "Batch costs half.",
    )
    escalation_sonnet = PercentField(
        label="Share needing Sonnet (%)",
        help_text="Percent of requests too hard for Haiku that go to Sonnet (0 to 100).",
    )
    escalation_opus = PercentField(
        label="Share needing Opus (%)",
        help_text="Percent that needs the frontier model (0 to 100); Sonnet + Opus at most 100.",
    )

    class Meta:
        model = Workload
        fields = list(WORKLOAD_ANSWERS)
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}
        error_messages = {
            "use_case": {"required": "Choose what the model does most of the time."},
            "description": {"required": "Describe the business problem in a few sentences."},
            "region": {"required": "Choose the AWS region you run Bedrock in."},
        }

    # Defaults a typical seed-stage classification workload would start from, as the model
    # stores them (shares as fractions; the form shows them as percents).
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

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name in (*PERCENT_FIELDS, *ESCALATION_FIELDS):
            if self.initial.get(name) is not None:
                self.initial[name] = percent_text(self.initial[name])
        # An older client (or the live estimate) may leave these out: the model's defaults.
        self.fields["endpoint"].required = False

    def clean_endpoint(self) -> str:
        return self.cleaned_data.get("endpoint") or Endpoint.GLOBAL

    def clean(self):
        cleaned = super().clean()
        sonnet, opus = (cleaned.get(name) for name in ESCALATION_FIELDS)
        if sonnet is not None and opus is not None:
            total = (Decimal(str(sonnet)) + Decimal(str(opus))) * HUNDRED
            if total > HUNDRED:
                # Before the model's check (Workload.clean), which speaks in fractions.
                self.add_error(
                    "escalation_sonnet",
                    f"Sonnet and Opus add up to {plain(total)}%; together "
                    "they can be at most 100% (Haiku takes the rest).",
                )
        return cleaned


class WorkloadEstimateForm(WorkloadForm):
    """The fields the live estimate needs; the founder may not have written the rest yet."""

    class Meta(WorkloadForm.Meta):
        # Every answer but the words and choices that do not change the price.
        fields = [
            name for name in WORKLOAD_ANSWERS if name not in ("use_case", "description", "region")
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


# --- The e-mailed links (founders.links) ---


class ConfirmForm(forms.Form):
    company = forms.ChoiceField(
        label="Which company is this?",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the company this intake is for."},
    )

    def __init__(self, *args, choices: list[ConfirmChoice], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["company"]
        if isinstance(field, forms.ChoiceField):  # (it is: declared above)
            field.choices = [(choice.value, choice.label) for choice in choices]


class LinkRequestForm(forms.Form):
    email = forms.EmailField(
        label="Your e-mail address",
        max_length=254,
        help_text="The address you gave in your intake.",
        error_messages={"required": "Enter the address you gave in your intake."},
    )


class PeakFactorForm(forms.Form):
    """The dashboard's peak-to-average factor for the quota check (`?peak=6`)."""

    peak = forms.DecimalField(
        label="Peak-to-average factor",
        min_value=Decimal(1),
        max_value=Decimal(MAX_PEAK_FACTOR),
        max_digits=5,
        decimal_places=2,
        initial=DEFAULT_PEAK_FACTOR,
        help_text=f"Your busiest minute over your average minute: 1 to {MAX_PEAK_FACTOR} "
        f"(default {DEFAULT_PEAK_FACTOR}).",
        error_messages={
            "invalid": f"Enter a number from 1 to {MAX_PEAK_FACTOR}, such as 4.",
            "min_value": f"Enter a number from 1 to {MAX_PEAK_FACTOR}, such as 4.",
            "max_value": f"Enter a number from 1 to {MAX_PEAK_FACTOR}, such as 4.",
        },
    )
