"""Writes of the workloads app.

- `projections`: spend projections of a workload (the live estimate, the stored projection
  with its what-ifs, the nightly re-projection);
- `catalog`: the catalog and price refresh from AWS;
- `profiles`: the inference profiles of each Region, from AWS.

Callers import from here (`from workloads import services`, `from workloads.services import
...`); the names below are the package's public surface, as they were when it was one module.
"""

from .catalog import (
    PRICE_CEILING,
    PRICE_CHANGE_FACTOR,
    PRICE_SOURCE,
    CatalogRefreshResult,
    catalog_refresh,
)
from .profiles import inference_profiles_refresh
from .projections import (
    CREDITS_EXPECTED,
    CREDITS_ISSUED,
    PROJECTION_MONTHS,
    SCENARIOS,
    _stored_credits,
    scenario_inputs,
    spend_input_for_workload,
    workload_estimate,
    workload_project,
    workloads_reproject,
)

__all__ = [
    "CREDITS_EXPECTED",
    "CREDITS_ISSUED",
    "PRICE_CEILING",
    "PRICE_CHANGE_FACTOR",
    "PRICE_SOURCE",
    "PROJECTION_MONTHS",
    "SCENARIOS",
    "CatalogRefreshResult",
    "catalog_refresh",
    "inference_profiles_refresh",
    "scenario_inputs",
    "spend_input_for_workload",
    "workload_estimate",
    "workload_project",
    "workloads_reproject",
    # Private, but tests/founders/test_edit_and_progress.py checks it directly.
    "_stored_credits",
]
