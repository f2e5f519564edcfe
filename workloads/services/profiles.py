"""The inference profiles of each Region, read from Bedrock (`inference_profiles_refresh`)."""

from django.db import transaction
from django.utils import timezone

from ..aws.catalog import list_system_profiles
from ..models import InferenceProfile


def inference_profiles_refresh(*, region: str, bedrock_client) -> int:
    """Store the Claude inference profiles `bedrock_client` (a client in `region`) lists:
    each upserted by its id, those AWS no longer lists in the Region deleted. Reads AWS
    first, then writes in one short transaction. Returns how many are stored. An empty
    listing deletes nothing: AWS never lists no Claude profile at all, so it is read as a
    failed read, not as every profile retired. Safe to run again."""
    profiles = list_system_profiles(bedrock_client)
    if not profiles:
        return 0
    now = timezone.now()
    with transaction.atomic():
        for profile in profiles:
            InferenceProfile.objects.update_or_create(
                region=region,
                profile_id=profile.profile_id,
                defaults={
                    "arn": profile.arn,
                    "name": profile.name[:200],
                    "model_id": profile.model_ids[0],
                    "model_arns": list(profile.model_arns),
                    "status": profile.status[:20],
                    "read_at": now,
                },
            )
        InferenceProfile.objects.filter(region=region).exclude(
            profile_id__in=[profile.profile_id for profile in profiles]
        ).delete()
    return len(profiles)
