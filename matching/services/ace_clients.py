"""The boto3 clients of a partner firm's Partner Central calls (ACE and Benefits), and the
error a failed call becomes. The credentials are CloudRoute's own, or the firm's role assumed
through the regional STS endpoint of us-east-1 (Partner Central's region) with the firm's
ExternalId."""

import boto3
from botocore.config import Config

from core.errors import UpstreamError
from credits.aws import ace, benefits

from ..models import PartnerAceAccount

ROLE_SESSION_NAME = "cloudroute-ace-sync"
CLIENT_CONFIG = {
    "connect_timeout": 5,
    "read_timeout": 30,
    "retries": {"max_attempts": 5, "mode": "standard"},
}


class AceUnavailableError(UpstreamError):
    """ACE could not be reached or refused a step (502). The steps done so far are kept, so
    a retry resumes at the one that failed (matching.services.ace_filing)."""

    code = "ace_unavailable"


def _aws_session_for(account: PartnerAceAccount):
    """The boto3 session the firm's Partner Central calls run in, or None when boto3 finds no
    AWS credentials. With a role ARN, the session runs as that role (sts.assume_role with the
    firm's ExternalId); without one, as CloudRoute's own credentials."""
    session = boto3.session.Session()
    if session.get_credentials() is None:
        return None
    if account.role_arn:
        request = {"RoleArn": account.role_arn, "RoleSessionName": ROLE_SESSION_NAME}
        if account.external_id:
            request["ExternalId"] = account.external_id
        # The regional endpoint, not the legacy global one (sts.amazonaws.com).
        sts = session.client("sts", region_name=ace.ACE_REGION, config=Config(**CLIENT_CONFIG))
        credentials = sts.assume_role(**request)["Credentials"]
        session = boto3.session.Session(
            aws_access_key_id=credentials["AccessKeyId"],
            aws_secret_access_key=credentials["SecretAccessKey"],
            aws_session_token=credentials["SessionToken"],
        )
    return session


def ace_client_for(account: PartnerAceAccount):
    """The firm's `partnercentral-selling` client (us-east-1), or None without AWS
    credentials (see `_aws_session_for` for the role the client runs as)."""
    session = _aws_session_for(account)
    if session is None:
        return None
    return session.client(
        "partnercentral-selling", region_name=ace.ACE_REGION, config=Config(**CLIENT_CONFIG)
    )


def benefits_client_for(account: PartnerAceAccount):
    """The firm's `partnercentral-benefits` client (us-east-1), or None without AWS
    credentials; the same credentials and role as `ace_client_for`."""
    session = _aws_session_for(account)
    if session is None:
        return None
    return session.client(
        "partnercentral-benefits",
        region_name=benefits.BENEFITS_REGION,
        config=Config(**CLIENT_CONFIG),
    )
