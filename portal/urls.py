from django.urls import path

from .views import (
    applications,
    auth,
    exports,
    joining,
    leads,
    profile,
    scorecard,
    team,
    twofactor,
    webhooks,
)

urlpatterns = [
    path("partner/", leads.partner_inbox, name="partner-inbox"),
    path("partner/login/", auth.PartnerLoginView.as_view(), name="partner-login"),
    path("partner/apply/", joining.partner_apply, name="partner-apply"),
    path("partner/webhooks/", webhooks.partner_webhooks, name="partner-webhooks"),
    path(
        "partner/webhooks/<int:webhook_id>/rotate/",
        webhooks.partner_webhook_rotate,
        name="partner-webhook-rotate",
    ),
    path(
        "partner/webhooks/<int:webhook_id>/delete/",
        webhooks.partner_webhook_delete,
        name="partner-webhook-delete",
    ),
    path("partner/apply/sent/", joining.partner_apply_sent, name="partner-apply-sent"),
    path(
        "partner/password-reset/",
        auth.PartnerPasswordResetView.as_view(),
        name="partner-password-reset",
    ),
    path(
        "partner/password-reset/sent/",
        auth.PartnerPasswordResetDoneView.as_view(),
        name="partner-password-reset-done",
    ),
    path(
        "partner/password-reset/<uidb64>/<token>/",
        auth.PartnerPasswordResetConfirmView.as_view(),
        name="partner-password-reset-confirm",
    ),
    path(
        "partner/password-reset/done/",
        auth.PartnerPasswordResetCompleteView.as_view(),
        name="partner-password-reset-complete",
    ),
    # Firm admins' second sign-in step (matching/twofactor.py).
    path("partner/2fa/verify/", twofactor.TwoFactorVerifyView.as_view(), name="partner-2fa-verify"),
    path("partner/2fa/setup/", twofactor.TwoFactorSetupView.as_view(), name="partner-2fa-setup"),
    path(
        "partner/2fa/recovery-codes/",
        twofactor.TwoFactorRecoveryCodesView.as_view(),
        name="partner-2fa-recovery-codes",
    ),
    path("partner/scorecard/", scorecard.partner_scorecard, name="partner-scorecard"),
    path("partner/profile/", profile.partner_profile, name="partner-profile"),
    path("partner/team/", team.partner_team, name="partner-team"),
    path("partner/earnings/", exports.partner_earnings, name="partner-earnings"),
    path("partner/earnings.csv", exports.partner_earnings_csv, name="partner-earnings-csv"),
    path("partner/leads.csv", exports.partner_leads_csv, name="partner-leads-csv"),
    path("partner/team/invite/", team.partner_team_invite, name="partner-team-invite"),
    path(
        "partner/team/members/<int:membership_id>/remove/",
        team.partner_team_remove,
        name="partner-team-remove",
    ),
    path(
        "partner/team/invitations/<int:invitation_id>/withdraw/",
        team.partner_team_revoke,
        name="partner-team-revoke",
    ),
    path("partner/invitations/<str:token>/", team.partner_invitation, name="partner-invitation"),
    path("partner/leads/<int:lead_id>/", leads.partner_lead, name="partner-lead"),
    path(
        "partner/leads/<int:lead_id>/accept/",
        leads.partner_lead_accept,
        name="partner-lead-accept",
    ),
    path(
        "partner/leads/<int:lead_id>/decline/",
        leads.partner_lead_decline,
        name="partner-lead-decline",
    ),
    path("partner/leads/<int:lead_id>/notes/", leads.partner_lead_note, name="partner-lead-note"),
    path("partner/leads/<int:lead_id>/owner/", team.partner_lead_owner, name="partner-lead-owner"),
    path(
        "partner/leads/<int:lead_id>/applications/",
        applications.partner_application_create,
        name="partner-application-create",
    ),
    path(
        "partner/applications/<int:application_id>/transition/",
        applications.partner_application_transition,
        name="partner-application-transition",
    ),
    path(
        "partner/applications/<int:application_id>/precheck/",
        applications.partner_application_precheck_fix,
        name="partner-application-precheck-fix",
    ),
    path(
        "partner/applications/<int:application_id>/file-with-ace/",
        applications.partner_application_file_with_ace,
        name="partner-application-file-with-ace",
    ),
]
