"""The partner portal: a firm's members sign in, work their leads and applications, and read
their scorecard. Server-rendered; every page is behind `decorators.partner_required`."""
