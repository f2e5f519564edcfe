"""The founder's side: the intake form, the e-mailed sign-in link, the dashboard at /my/ and
connecting the AWS bill. Server-rendered pages over `matching`, `credits` and `workloads`."""
