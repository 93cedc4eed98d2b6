"""Persona scenarios for the reference target (promptlib): page objects, adapter, scenarios."""
