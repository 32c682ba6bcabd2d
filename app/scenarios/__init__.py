"""Scenarios: a whole world (partners, programs, partnerships, customers, agreements, subscriptions) declared in one
JSON or YAML document and built through the services, in one transaction; and bulk seed data.

    document ──read──> ScenarioDocument ──check references──> steps, in the order history would have happened
             ──each step: a person signed in, or the operator──> services ──> LoadedScenario ──> who gets in how
"""
