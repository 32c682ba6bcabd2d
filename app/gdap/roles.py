"""The built-in Entra role templates a GDAP relationship may ask for (`roleDefinitionId`), in plain words.

The ids are Entra's own template ids (the same in every tenant), so an integrator's role lists work unchanged.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class RoleTemplate:
    id: str
    name: str
    # What the customer reads on the approval page before granting it.
    grants: str


GLOBAL_ADMINISTRATOR = "62e90394-69f5-4237-9190-012177145e10"
USER_ADMINISTRATOR = "fe930be7-5e62-47db-91af-98c3a49a38b1"
GLOBAL_READER = "f2ef992c-3afb-46b9-b7cf-a126ee74c451"
DIRECTORY_READERS = "88d8e3e3-8f55-4a1e-953a-9b9898b8876b"
LICENSE_ADMINISTRATOR = "4d6ac14f-3453-41d0-bef9-a3e0c569773a"

CATALOG: dict[str, RoleTemplate] = {
    role.id: role
    for role in (
        RoleTemplate(GLOBAL_ADMINISTRATOR, "Global Administrator", "full control of every setting and all data"),
        RoleTemplate(GLOBAL_READER, "Global Reader", "read everything a Global Administrator can see, change nothing"),
        RoleTemplate(USER_ADMINISTRATOR, "User Administrator", "create and manage users and groups, reset passwords"),
        RoleTemplate(
            "729827e3-9c14-49f7-bb1b-9608f156bbb8",
            "Helpdesk Administrator",
            "reset passwords of non-administrators, manage service requests",
        ),
        RoleTemplate(
            "966707d0-3269-4727-9be2-8c3a10f19b9d", "Password Administrator", "reset passwords of non-administrators"
        ),
        RoleTemplate(DIRECTORY_READERS, "Directory Readers", "read basic directory information"),
        RoleTemplate(
            "9360feb5-f418-4baa-8175-e2a00bac4301", "Directory Writers", "read and write basic directory data"
        ),
        RoleTemplate(LICENSE_ADMINISTRATOR, "License Administrator", "assign and remove product licenses"),
        RoleTemplate(
            "b0f54661-2d74-4c50-afa3-1ec803f12efe",
            "Billing Administrator",
            "make purchases, manage subscriptions and billing",
        ),
        RoleTemplate(
            "f023fd81-a637-4b56-95fd-791ac0226033",
            "Service Support Administrator",
            "open and follow support requests with Microsoft",
        ),
        RoleTemplate("29232cdf-9323-42fd-ade2-1d097af3e4de", "Exchange Administrator", "manage Exchange Online"),
        RoleTemplate("f28a1f50-f6e7-4571-818b-6a12f2af6b6c", "SharePoint Administrator", "manage SharePoint Online"),
        RoleTemplate("69091246-20e8-4a56-aa4d-066075b2a7a8", "Teams Administrator", "manage Microsoft Teams"),
        RoleTemplate("3a2c62db-5318-420d-8d74-23affee5d9d5", "Intune Administrator", "manage devices with Intune"),
        RoleTemplate(
            "194ae4cb-b126-40b2-bd5b-6091b380977d", "Security Administrator", "manage security settings and reports"
        ),
        RoleTemplate(
            "e8611ab8-c189-46e8-94e1-60213ab1f814",
            "Privileged Role Administrator",
            "assign administrator roles to anyone",
        ),
        RoleTemplate(
            "7be44c8a-adaf-4e2a-84d6-ab2649e08a13",
            "Privileged Authentication Administrator",
            "reset passwords and sign-in methods of any user, administrators included",
        ),
        RoleTemplate(
            "158c047a-c907-4556-b7ef-446551a6b5f7",
            "Cloud Application Administrator",
            "register and manage applications",
        ),
        RoleTemplate(
            "44367163-eba1-44c3-98af-f5787879f96a",
            "Dynamics 365 Administrator",
            "manage Dynamics 365 and Power Platform",
        ),
    )
}


def role_name(role_id: str) -> str:
    template = CATALOG.get(role_id.lower())
    return template.name if template else role_id
