from rest_framework.settings import api_settings
from rest_framework.throttling import ScopedRateThrottle


class LiveScopedRateThrottle(ScopedRateThrottle):
    """ScopedRateThrottle that reads the rate at request time, so settings changes apply."""

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)
