"""Partner Central answers as AWS shows them, for the stubbed ACE and Benefits tests.

Provenance: the ids and shapes follow AWS's public samples and API reference. Every sample
here passes tests.aws_model's check against botocore's model (tests/test_aws_samples.py).
- aws-samples/partner-crm-integration-samples, partner-central-api-sample-codes/python_preview
  (commit 831baaf81412304a2fe45a6047cbac021e233a5a): src/create_opportunity/
  createOpportunity_aws.json (the request body: StateOrRegion "New York", NationalSecurity
  "No", CustomerUseCase, DeliveryModels ["SaaS or PaaS"], SalesActivities), src/
  associate_opportunity.py (Solutions, "S-0059612", opportunity "O4236435") and src/
  start_engagement_from_opportunity_task.py (AwsSubmission Co-Sell / Full).
- The Partner Central API reference's CreateOpportunity, StartEngagementFromOpportunityTask,
  ListEngagementFromOpportunityTasks and ListOpportunities response syntax (ids "O" + digits,
  task ids "task-" + 13 characters, engagement ids "eng-" + 14).
- The Partner Central Benefits API reference's GetBenefitAllocation response
  (FulfillmentDetail.CreditDetails.Codes[] with AwsCreditCode, Value, Status, IssuedAt,
  ExpiresAt).
"""

import datetime as dt

OPPORTUNITY_ID = "O4236435"
SOLUTION_ID = "S-0059612"
# The model's TaskIdentifier pattern is .*task-[0-9a-z]{13} (its prose says oit-...).
TASK_ID = "task-1a2b3c4d5e6f7"
TASK_ARN = (
    f"arn:aws:partnercentral:us-east-1:111122223333:catalog/Sandbox/engagement-task/{TASK_ID}"
)
CREATED_AT = dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC)


def create_opportunity_response(opportunity_id: str = OPPORTUNITY_ID, **extra) -> dict:
    return {"Id": opportunity_id, "LastModifiedDate": CREATED_AT, **extra}


def engagement_task(
    status: str = "IN_PROGRESS", opportunity_id: str = OPPORTUNITY_ID, **extra
) -> dict:
    """StartEngagementFromOpportunityTask's answer (and a TaskSummaries item)."""
    task = {
        "TaskId": TASK_ID,
        "TaskArn": TASK_ARN,
        "StartTime": CREATED_AT,
        "TaskStatus": status,
        "OpportunityId": opportunity_id,
    }
    if status == "COMPLETE":
        task |= {
            "EngagementId": "eng-1a2b3c4d5e6f7g",
            "EngagementInvitationId": "engi-1a2b3c4d5e6f7",
            "ResourceSnapshotJobId": "job-1a2b3c4d5e6f7",
        }
    if status == "FAILED":
        task |= {
            "ReasonCode": "OpportunityValidationFailed",
            "Message": "Customer.Account.WebsiteUrl is required.",
        }
    return task | extra


def opportunity_summary(opportunity_id: str, review_status: str, **extra) -> dict:
    """A ListOpportunities OpportunitySummaries item."""
    return {
        "Catalog": "Sandbox",
        "Id": opportunity_id,
        "LastModifiedDate": CREATED_AT + dt.timedelta(hours=1),
        "LifeCycle": {"ReviewStatus": review_status, "Stage": "Qualified"},
        **extra,
    }
