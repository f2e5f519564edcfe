"""The portal's forms. They check what a person typed; the rules stay in the services."""

from decimal import Decimal

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import models
from django_countries import countries

from credits import selectors as credit_selectors
from credits.aws import ace
from credits.models import ApplicationStatus, CreditApplication, FiledBy
from credits.services import TRANSITIONS
from matching import selectors
from matching.models import (
    Competency,
    DeclineReason,
    JoinApplication,
    PartnerMembership,
    WebhookEvent,
)
from matching.services import OTHER_NEEDS_NOTE
from matching.services.partner_profile import ACE_FIELDS, PROFILE_FIELDS
from matching.services.precheck_fix import FIXABLE
from workloads.choices import AwsRegion, Stage
from workloads.models import Startup, Workload


class PartnerAuthenticationForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "not_partner": "This account does not belong to a partner firm. Founders sign in "
        "with the link in their e-mail.",
    }

    def clean_username(self) -> str:
        # Addresses are stored lower-cased (UserManager); accept "Ana@Firm.test" too.
        return self.cleaned_data["username"].strip().lower()

    def confirm_login_allowed(self, user) -> None:
        super().confirm_login_allowed(user)
        if selectors.partner_for_user(user) is None:
            raise ValidationError(self.error_messages["not_partner"], code="not_partner")


class DeclineForm(forms.Form):
    reason = forms.ChoiceField(
        choices=[("", "Choose a reason…"), *DeclineReason.choices],
        error_messages={
            "required": "Choose a reason for declining.",
            "invalid_choice": "Choose one of the reasons in the list.",
        },
    )
    note = forms.CharField(
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text='Required for "Other"; shared with CloudRoute\'s operators, not the founder.',
    )

    def clean(self):
        cleaned = super().clean()
        # The service refuses it too; checked here so the error sits under the note field.
        if cleaned.get("reason") == DeclineReason.OTHER and not cleaned.get("note", "").strip():
            self.add_error("note", OTHER_NEEDS_NOTE)
        return cleaned


class NoteForm(forms.Form):
    body = forms.CharField(
        label="Note",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Write something in the note."},
        help_text="Visible to your firm and to CloudRoute's operators, never to the founder.",
    )


class ApplicationCreateForm(forms.Form):
    program = forms.ChoiceField(error_messages={"required": "Choose a credit program."})
    requested_amount = forms.DecimalField(
        label="Requested amount (USD)", max_digits=12, decimal_places=2, min_value=Decimal("0.01")
    )
    target_close_date = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Partner-filed programs first: those are the ones a firm files itself.
        programs = sorted(
            credit_selectors.programs_current(), key=lambda p: p.filed_by != FiledBy.PARTNER
        )
        self.fields["program"].choices = [("", "Choose a program…")] + [
            (program.code, f"{program.name} (up to ${program.amount_max:,.0f})")
            for program in programs
        ]


class ApplicationTransitionForm(forms.Form):
    to = forms.ChoiceField(label="Move to", error_messages={"required": "Choose the next state."})
    ace_opportunity_id = forms.CharField(
        label="ACE opportunity id", required=False, max_length=40, help_text="To submit: O1234567"
    )
    approved_amount = forms.DecimalField(required=False, max_digits=12, decimal_places=2)
    issued_amount = forms.DecimalField(required=False, max_digits=12, decimal_places=2)
    expires_on = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(
        required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, application, **kwargs):
        kwargs.setdefault("prefix", f"application-{application.pk}")
        super().__init__(*args, **kwargs)
        self.application = application
        labels = dict(ApplicationStatus.choices)
        self.fields["to"].choices = [
            (state, labels[state])
            for state in ApplicationStatus.values
            if state in TRANSITIONS.get(application.status, ())
        ]


class OtpTokenForm(forms.Form):
    """The second sign-in step: a code from an authenticator app or a recovery code."""

    otp_token = forms.CharField(
        label="Code",
        max_length=32,
        help_text="The 6 digits your authenticator app shows, or one of your recovery codes.",
        error_messages={"required": "Type the code from your authenticator app."},
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}
        ),
    )


class PrecheckFixForm(forms.Form):
    """The fields ACE's pre-submission check names for a draft, each drawn from its model
    field (so the page offers what the service will accept); `fields` comes from
    matching.services.precheck_fixable_fields."""

    def __init__(self, *args, application, fields: list[str], **kwargs):
        kwargs.setdefault("prefix", f"fix-{application.pk}")
        super().__init__(*args, **kwargs)
        self.application = application
        for name in fields:
            self.fields[name] = _precheck_field(name)


def _precheck_field(name: str) -> forms.Field:
    kind, model_field_name, _ = FIXABLE[name]
    model = {"startup": Startup, "workload": Workload, "application": CreditApplication}[kind]
    model_field = model._meta.get_field(model_field_name)
    field = model_field.formfield() if isinstance(model_field, models.Field) else None
    if field is None:  # FIXABLE names concrete, editable columns only
        raise ImproperlyConfigured(f"{model.__name__}.{model_field_name} has no form field")
    if name == "state":
        field.help_text = "For a US address, the state's full name (e.g. Washington)."
    if name == "target_close_date":
        field.widget = forms.DateInput(attrs={"type": "date"})
    if name == "business_problem":
        field.widget = forms.Textarea(attrs={"rows": 3})
    return field


class PartnerProfileForm(forms.Form):
    """The firm's profile; the ACE fields only when CloudRoute files for the firm. Read-only
    (disabled) for a member who is not an admin."""

    competencies = forms.MultipleChoiceField(
        choices=Competency.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="A lead that needs a competency goes only to firms that have it.",
    )
    regions = forms.MultipleChoiceField(
        label="AWS regions served",
        choices=AwsRegion.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="None ticked: every region.",
    )
    stages = forms.MultipleChoiceField(
        label="Stage focus",
        choices=Stage.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Startups at these stages score higher.",
    )
    capacity = forms.IntegerField(
        min_value=0, max_value=10_000, help_text="Open leads at most; at capacity, no new ones."
    )
    away_from = forms.DateField(
        label="Out of office from",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Empty: from today.",
    )
    away_until = forms.DateField(
        label="Out of office until",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="No new leads through this day.",
    )
    solution_id = forms.CharField(
        label="ACE solution id",
        required=False,
        max_length=21,
        help_text="S- and digits, from Solutions in Partner Central; each opportunity is "
        "associated with it.",
    )
    delivery_models = forms.MultipleChoiceField(
        choices=[(model, model) for model in ace.DELIVERY_MODELS],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="How you deliver; ACE's opportunities say so.",
    )

    def __init__(self, *args, partner, account, editable: bool, **kwargs):
        initial = {name: getattr(partner, name) for name in PROFILE_FIELDS}
        if account is not None:
            initial |= {name: getattr(account, name) for name in ACE_FIELDS}
        kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        if account is None:
            for name in ACE_FIELDS:
                del self.fields[name]
        for field in self.fields.values():
            field.disabled = not editable


class InviteForm(forms.Form):
    email = forms.EmailField(label="Their e-mail address")
    role = forms.ChoiceField(
        choices=PartnerMembership.Role.choices,
        initial=PartnerMembership.Role.MEMBER,
        help_text="Admins also manage the team, the profile and the firm's settings.",
    )


class InvitationAcceptForm(forms.Form):
    full_name = forms.CharField(label="Your name", max_length=150)
    password1 = forms.CharField(label="Choose a password", widget=forms.PasswordInput)
    password2 = forms.CharField(label="The password again", widget=forms.PasswordInput)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("password1") and cleaned.get("password1") != cleaned.get("password2"):
            self.add_error("password2", "The two passwords differ.")
        return cleaned


class LeadOwnerForm(forms.Form):
    """Who in the firm works the lead; the choices are the firm's members."""

    owner = forms.ChoiceField(required=False, label="Owner")

    def __init__(self, *args, partner, members=None, **kwargs):
        super().__init__(*args, **kwargs)
        members = members if members is not None else selectors.team_members(partner=partner)
        self.fields["owner"].choices = [("", "Nobody yet")] + [
            (str(membership.user_id), membership.user.full_name or membership.user.email)
            for membership in members
        ]


class JoinApplicationForm(forms.ModelForm):
    """A firm's application to join (matching.services.joining checks it again)."""

    competencies = forms.MultipleChoiceField(
        choices=Competency.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="Only what AWS has validated: the evidence below shows it.",
    )
    evidence = forms.CharField(
        label="Designations and evidence",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="One per line: the designation, then an https:// link that shows it (your "
        "AWS Partner Solutions Finder page, a validation letter), e.g. "
        "“Generative AI Competency https://partners.amazonaws.com/…”.",
    )
    regions = forms.MultipleChoiceField(
        label="AWS regions served", choices=AwsRegion.choices, widget=forms.CheckboxSelectMultiple
    )
    countries = forms.MultipleChoiceField(
        label="Countries served",
        choices=list(countries),
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text="Hold Ctrl (⌘ on a Mac) to choose several.",
    )

    class Meta:
        model = JoinApplication
        fields = [
            "firm_name",
            "website",
            "contact_name",
            "contact_email",
            "tier",
            "ace_access",
            "competencies",
            "evidence",
            "regions",
            "countries",
            "reference_customer",
            "reference_contact",
        ]
        labels = {"contact_email": "Your work e-mail", "contact_name": "Your name"}
        help_texts = {
            "tier": "Your tier in the AWS Partner Network.",
            "reference_customer": "A customer you delivered a generative AI project for.",
        }


class WebhookForm(forms.Form):
    url = forms.CharField(
        label="Receiver URL",
        max_length=2000,
        help_text="https:// on the public internet; CloudRoute signs each POST "
        "(docs: CloudRoute-Signature).",
    )
    events = forms.MultipleChoiceField(
        choices=WebhookEvent.choices, widget=forms.CheckboxSelectMultiple
    )
