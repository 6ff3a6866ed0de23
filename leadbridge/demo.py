"""The demo network: a vendor, two partners, an admin and a plain user in each."""

from tortoise.transactions import in_transaction

from leadbridge.settings import Settings
from models import Company, User

DEMO_COMPANIES = [
    ("Northwind Software", "northwind.example", "northwind"),
    ("Contoso Partners", "contoso.example", "contoso"),
    ("Fabrikam Consulting", "fabrikam.example", "fabrikam"),
]
DEMO_PEOPLE = [
    ("admin", "Ada", True),
    ("user", "Sam", False),
]


def demo_emails() -> list[str]:
    return [f"{login}@{domain}" for _, domain, _ in DEMO_COMPANIES for login, _, _ in DEMO_PEOPLE]


async def seed(settings: Settings) -> list[User]:
    """Seed the network when the database holds no company; return the demo users either way."""
    if not await Company.exists():
        async with in_transaction():
            for company_name, domain, slug in DEMO_COMPANIES:
                company = await Company.create(name=company_name, domain=domain)
                for login, first_name, is_admin in DEMO_PEOPLE:
                    await User.create(
                        email=f"{login}@{domain}",
                        name=f"{first_name} {slug.capitalize()}",
                        company=company,
                        is_admin=is_admin,
                    )
    found = {user.email: user for user in await User.filter(email__in=demo_emails()).select_related("company")}
    return [found[email] for email in demo_emails() if email in found]
