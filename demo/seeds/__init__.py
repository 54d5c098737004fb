"""Demo data, one module per app, run in this order by `manage.py seed_demo`. Each module has a
`seed() -> list[str]` that is idempotent and returns lines to print."""

SEEDERS = [
    "demo.seeds.accounts",
    "demo.seeds.volunteers",
    "demo.seeds.organizations",
    "demo.seeds.projects",
    "demo.seeds.hours",
    "demo.seeds.orders",
    "demo.seeds.campaigns",
    "demo.seeds.dashboard",
]
