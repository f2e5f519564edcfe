"""The partner API: token sign-in (`auth`), a firm's leads (`leads`) and its credit
applications (`applications`), one view per action (HackSoft style).

Callers send `Authorization: Token <token>` from `POST /api/v1/auth/token/`. Every object is
read through the access helpers of `matching.selectors` (`lead_for_partner_or_404`,
`application_for_partner_or_404`): another firm's object is a 404, as is any object for a
caller who belongs to no firm. Changes go through `matching.services` and `credits.services`;
their errors become responses in `core.api.exception_handler`.
"""
