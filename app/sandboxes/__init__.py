"""Sandboxes: isolated worlds with their own settings, clock, timers and data.

POST /sim/v1/sandboxes ──> sandbox (admin key shown once)
    ├── settings   every *setting* of RULES.md, validated
    ├── clock      real time + offset, or frozen; advances only forward
    └── timers     pending ──> fired | failed | canceled, fired in due order
reset: empties the data, keeps id, key and settings; delete: removes everything.
"""
