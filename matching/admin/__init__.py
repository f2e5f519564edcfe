"""The operators' admin for matching: partners, intakes (with the review queue), leads, and
routing (the settings row and every decision, "why this partner / why not the others").

Actions call the services in matching.services and never change rows themselves."""

from . import commissions, intakes, jobs, joining, leads, partners, routing

__all__ = ["commissions", "intakes", "jobs", "joining", "leads", "partners", "routing"]
